/**
 * A raw HTTP POST for oversized bodies (bounded-body tests): sent with Content-Length or chunked
 * (1 MiB chunks), answered with status and text. The server may answer and close before the whole
 * body is sent — that is the point — so EPIPE / ECONNRESET while writing are not errors.
 */
import http from 'node:http';

export function rawPost(url: string, body: Buffer, chunked: boolean): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (!chunked) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        hostname: target.hostname,
        port: Number(target.port),
        path: `${target.pathname}${target.search}`,
        method: 'POST',
        headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) =>
      e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e),
    );
    if (chunked) for (let at = 0; at < body.length; at += 1 << 20) req.write(body.subarray(at, at + (1 << 20)));
    else req.write(body);
    req.end();
  });
}
