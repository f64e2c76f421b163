/** Sample documents (`<sourceModelId>/<file>` in `DR_DRILL_SAMPLES_URL`): which files count, their content type and pages. */

const CONTENT_TYPES: Array<[RegExp, string]> = [
  [/\.pdf$/i, 'application/pdf'],
  [/\.png$/i, 'image/png'],
  [/\.jpe?g$/i, 'image/jpeg'],
  [/\.tiff?$/i, 'image/tiff'],
];

/** A drill sample is at most this large (the S0 analyze limit is 500 MB; a drill sample is a few pages). */
export const MAX_SAMPLE_BYTES = 50 * 1024 * 1024;

/** The content type of a sample file name, or undefined when it is not a pdf, png, jpeg or tiff. */
export function sampleContentType(name: string): string | undefined {
  return CONTENT_TYPES.find(([re]) => re.test(name))?.[1];
}

/** Pages before analyzing: a PDF's page objects (`/Type /Page`), else one (a multi-page TIFF counts as one). */
export function estimatePages(bytes: Uint8Array): number {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  if (!text.startsWith('%PDF')) return 1;
  return Math.max(1, (text.match(/\/Type\s*\/Page(?![s\w])/g) ?? []).length);
}
