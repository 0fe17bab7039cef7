/** A unique-index violation (E11000), however the engine reports it: MongoDB sets `code`, FerretDB may only say so in the message. */
export function isDuplicateKey(err: unknown): boolean {
  const e = err as { code?: number; message?: string } | null;
  return e?.code === 11000 || /duplicate key|E11000/i.test(e?.message ?? '');
}
