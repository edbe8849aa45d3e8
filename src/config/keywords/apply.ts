/**
 * The one dispatcher every section builder uses: each statement of a block is looked up in
 * its section's table, and acted on, accepted, or reported as not implemented, as the
 * registry says. Unknown keywords are warned as keepalived does, and skipped.
 */
import type { BuildContext } from '../context';
import type { Statement } from '../parse';
import type { SectionTable } from './types';

export function applySection<T>(ctx: BuildContext, block: Statement[], table: SectionTable<T>, target: T, where: string): void {
  // an indexed loop: it runs over every statement of the config, mostly before V8 optimises it
  for (let i = 0; i < block.length; i++) applyStatement(ctx, block[i], table, target, where);
}

export function applyStatement<T>(ctx: BuildContext, s: Statement, table: SectionTable<T>, target: T, where: string): void {
  const spec = table.byName.get(s.keyword.value);
  if (spec === undefined) {
    // keepalived skips an unknown keyword with its block, if it has one.
    ctx.unknown(s, where);
    return;
  }
  ctx.checkBlock(s);
  spec.apply?.(ctx, s, target);
  if (spec.status === 'not-implemented' && (spec.uses?.(s) ?? true)) {
    const why = [where, spec.note].filter(Boolean).join(': ');
    ctx.unimplemented(s.keyword, `'${s.keyword.value}'${why ? ` (${why})` : ''}`);
  }
}
