import { TimerHeap } from '../../src/check/timer-heap';

test('pops in due order, ties in insertion order', () => {
  const h = new TimerHeap();
  const input: [number, number][] = [];
  let x = 12345;
  for (let id = 0; id < 2000; id++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const at = x % 500;
    input.push([at, id]);
    h.push(at, id);
  }
  const expected = [...input].sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((e) => e[1]);
  const got: number[] = [];
  for (let e = h.pop(); e; e = h.pop()) got.push(e.id);
  expect(got).toEqual(expected);
  expect(h.size).toBe(0);
});
