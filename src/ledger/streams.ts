/** Reading a blob's body as text, bounded when the caller gives a cap. */
import { LedgerError } from './errors';

/** The whole stream as UTF-8; beyond `limit.maxBytes` it stops reading and throws, naming `limit.key`. */
export async function readStreamText(
  stream: NodeJS.ReadableStream | undefined,
  limit?: { maxBytes: number; key: string },
): Promise<string> {
  if (!stream) return '';
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    total += b.length;
    if (limit && total > limit.maxBytes) throw new LedgerError(`blob exceeds ${limit.maxBytes} bytes`, limit.key);
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}
