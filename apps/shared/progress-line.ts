/** One line of progress: a bar on a TTY, plain text otherwise. */
export function progressLine(opts: { percent: number; label: string; tty: boolean; width?: number }): string {
  const pct = Math.max(0, Math.min(100, opts.percent));
  const text = `${pct.toFixed(0).padStart(3)}% ${opts.label}`;
  if (!opts.tty) return text;
  const width = opts.width ?? 30;
  const filled = Math.round((pct / 100) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${text}`;
}
