/** Two texts in two columns (for `halo lab status`: lb1 on the left, lb2 on the right). */
export function sideBySide(left: string, right: string, gap = 4): string {
  const l = left.replace(/\n$/, '').split('\n');
  const r = right.replace(/\n$/, '').split('\n');
  const width = Math.max(0, ...l.map((x) => x.length));
  const rows: string[] = [];
  for (let i = 0; i < Math.max(l.length, r.length); i++) {
    const a = l[i] ?? '';
    const b = r[i] ?? '';
    rows.push(b ? `${a.padEnd(width + gap)}${b}` : a);
  }
  return `${rows.join('\n')}\n`;
}
