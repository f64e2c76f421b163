/** Default v3.1 / v4 resources and demo models for `npm run emulate -- --api-version 2024-11-30|2023-07-31`. */
import type { ClassifierSeed, DocumentApiVersion, DocumentModelSeed, ResourceSpec } from './types';

/** A classifier routing invoices and receipts (v4 composed models need one). */
export function demoClassifiers(): ClassifierSeed[] {
  return [
    {
      classifierId: 'finance-classifier',
      description: 'invoice vs receipt',
      createdDateTime: '2025-12-09T10:00:00Z',
      docTypes: ['invoice', 'receipt'],
    },
  ];
}

/** Two template models and, for 2024-11-30, a composed model that references them and the classifier. */
export function demoDocumentModels(version: DocumentApiVersion = '2024-11-30'): DocumentModelSeed[] {
  const models: DocumentModelSeed[] = [
    {
      modelId: 'invoices-2025',
      description: 'invoices',
      tags: { team: 'finance' },
      createdDateTime: '2025-11-03T09:12:44Z',
      apiVersion: version,
      docTypes: { 'invoices-2025': { buildMode: 'template' } },
    },
    {
      modelId: 'receipts-eu',
      description: 'receipts',
      createdDateTime: '2025-11-10T14:02:01Z',
      apiVersion: version,
      docTypes: { 'receipts-eu': { buildMode: 'neural' } },
    },
  ];
  if (version === '2024-11-30') {
    models.push({
      modelId: 'finance-composed',
      description: 'invoices and receipts',
      createdDateTime: '2025-12-10T10:00:00Z',
      apiVersion: version,
      classifierId: 'finance-classifier',
      split: 'auto',
      docTypes: { invoice: { modelId: 'invoices-2025' }, receipt: { modelId: 'receipts-eu' } },
    });
  }
  return models;
}

/** A seeded westus2 source and empty eastus / westeurope targets serving only `version`. */
export function defaultDocumentResourceSpecs(version: DocumentApiVersion): ResourceSpec[] {
  return [
    {
      name: 'di-source-westus2',
      region: 'westus2',
      apiVersions: [version],
      documentModels: demoDocumentModels(version),
      classifiers: version === '2024-11-30' ? demoClassifiers() : [],
    },
    { name: 'di-dr-eastus', region: 'eastus', apiVersions: [version] },
    { name: 'di-dr-westeurope', region: 'westeurope', apiVersions: [version] },
  ];
}
