import { sideBySide } from '../../src/lab/side-by-side';

describe('side by side', () => {
  it('pads the left column to its widest line and keeps every line of both', () => {
    expect(sideBySide('=== lb1\nMASTER here\n', '=== lb2\nBACKUP\nextra\n')).toBe(
      '=== lb1        === lb2\nMASTER here    BACKUP\n               extra\n',
    );
    expect(sideBySide('a\nb\n', '')).toBe('a\nb\n');
  });
});
