/** A one-line progress bar on stderr: `[#####-----] 52% 520,000/1,000,000 41,210/s`. */
export function progressBar(total: number, label: string, out: NodeJS.WriteStream = process.stderr) {
  const started = Date.now();
  let last = 0;
  const fmt = (n: number) => n.toLocaleString('en-GB');
  const draw = (done: number, final = false) => {
    const now = Date.now();
    if (!final && now - last < 200) return;
    last = now;
    const share = total ? done / total : 1;
    const width = 30;
    const filled = Math.round(share * width);
    const rate = done / Math.max(0.001, (now - started) / 1000);
    const line = `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.floor(share * 100)}% ${fmt(done)}/${fmt(total)} ${fmt(Math.round(rate))}/s`;
    out.write(out.isTTY ? `\r${line}` : `${line}\n`);
    if (final && out.isTTY) out.write('\n');
  };
  return { update: (done: number) => draw(done), done: (done: number) => draw(done, true) };
}
