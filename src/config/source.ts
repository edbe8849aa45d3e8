/**
 * Where each line of the preprocessed text came from. Includes and multi-line `$NAME`
 * expansions splice lines from several files into one text for the lexer; every token's
 * line is mapped back through here, so messages name the real FILE:LINE:COL.
 */
import type { SourceLocation } from './model';

interface Segment {
  /** First preprocessed line (1-based) of this run. */
  start: number;
  file: string;
  /** Original line of `start` in `file`. */
  origin: number;
  /** Whether the run is one original line repeated (a multi-line expansion). */
  repeat: boolean;
}

export class SourceMap {
  private segments: Segment[] = [];
  /** Lines recorded so far, i.e. the last preprocessed line number. */
  lines = 0;

  /** Record `count` preprocessed lines that are lines origin.. of file. */
  addRun(file: string, origin: number, count: number): void {
    if (count <= 0) return;
    const last = this.segments[this.segments.length - 1];
    const contiguous =
      last !== undefined && !last.repeat && last.file === file && last.origin + (this.lines + 1 - last.start) === origin;
    if (!contiguous) this.segments.push({ start: this.lines + 1, file, origin, repeat: false });
    this.lines += count;
  }

  /** Record `count` preprocessed lines that all come from one original line. */
  addRepeat(file: string, origin: number, count: number): void {
    if (count <= 0) return;
    this.segments.push({ start: this.lines + 1, file, origin, repeat: true });
    this.lines += count;
  }

  locate(line: number, col: number): SourceLocation {
    const segs = this.segments;
    let lo = 0;
    let hi = segs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (segs[mid].start <= line) lo = mid;
      else hi = mid - 1;
    }
    const s = segs[lo];
    if (s === undefined) return { file: '?', line, col };
    return { file: s.file, line: s.repeat ? s.origin : s.origin + (line - s.start), col };
  }
}
