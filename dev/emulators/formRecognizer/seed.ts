/** Default resources and demo models for `npm run emulate`. */
import type { ModelSeed, ResourceSpec, TrainResult } from './types';

function trainResult(prefix: string, docs: number, accuracy: number, modelId?: string): TrainResult {
  return {
    ...(modelId === undefined ? {} : { modelId }),
    averageModelAccuracy: accuracy,
    trainingDocuments: Array.from({ length: docs }, (_, i) => ({
      documentName: `${prefix}/${i}.pdf`,
      pages: 1,
      errors: [],
      status: 'succeeded',
    })),
    fields: [
      { fieldName: 'Total', accuracy },
      { fieldName: 'Date', accuracy: 1 },
    ],
    errors: [],
  };
}

const INVOICES = '0b0e6a3c-4f3c-4c57-9d8e-1a2b3c4d5e01';
const RECEIPTS = '1c1f7b4d-5a4d-4d68-8e9f-2b3c4d5e6f02';

/** Several ready models (one composed of two others) and one invalid model. */
export function demoSourceModels(): ModelSeed[] {
  return [
    {
      modelId: INVOICES,
      modelName: 'invoices-2025',
      createdDateTime: '2025-11-03T09:12:44Z',
      lastUpdatedDateTime: '2025-11-03T09:13:20Z',
      trainResult: trainResult('invoices', 5, 0.973),
    },
    {
      modelId: RECEIPTS,
      modelName: 'receipts-eu',
      createdDateTime: '2025-11-10T14:02:01Z',
      lastUpdatedDateTime: '2025-11-10T14:02:39Z',
      trainResult: trainResult('receipts', 6, 0.951),
    },
    {
      modelId: '2d2a8c5e-6b5e-4e79-9fa0-3c4d5e6f7003',
      modelName: 'purchase-orders',
      createdDateTime: '2025-12-01T08:30:00Z',
      lastUpdatedDateTime: '2025-12-01T08:30:41Z',
      trainResult: trainResult('po', 5, 0.988),
    },
    {
      modelId: '3e3b9d6f-7c6f-4f8a-a0b1-4d5e6f708004',
      modelName: 'delivery-notes',
      createdDateTime: '2025-12-05T16:45:10Z',
      lastUpdatedDateTime: '2025-12-05T16:45:52Z',
      trainResult: trainResult('delivery', 7, 0.942),
    },
    {
      modelId: '4f4cae70-8d70-4a9b-b1c2-5e6f70819005',
      modelName: 'finance-composed',
      isComposed: true,
      createdDateTime: '2025-12-10T10:00:00Z',
      lastUpdatedDateTime: '2025-12-10T10:00:05Z',
      composedTrainResults: [trainResult('invoices', 5, 0.973, INVOICES), trainResult('receipts', 6, 0.951, RECEIPTS)],
    },
    {
      modelId: '5a5dbf81-9e81-4bac-82d3-6f7081920a06',
      modelName: 'contracts-broken',
      status: 'invalid',
      createdDateTime: '2025-12-12T11:11:11Z',
      lastUpdatedDateTime: '2025-12-12T11:11:30Z',
      trainResult: {
        trainingDocuments: [],
        errors: [
          {
            code: '2014',
            message:
              'No valid blobs found in the specified Azure blob container. Please conform to the document format/size/page/dimensions requirements.',
          },
        ],
      },
    },
  ];
}

/** A seeded source in westus2 and empty targets in eastus and westeurope. */
export function defaultResourceSpecs(): ResourceSpec[] {
  return [
    { name: 'fr-source-westus2', region: 'westus2', models: demoSourceModels() },
    { name: 'fr-dr-eastus', region: 'eastus' },
    { name: 'fr-dr-westeurope', region: 'westeurope' },
  ];
}
