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

test('topAt and popId take the earliest entry without an object; interleaved pushes keep the order', () => {
  const h = new TimerHeap();
  expect(h.topAt).toBe(Infinity);
  expect(h.popId()).toBe(-1);
  const live: [number, number, number][] = [];
  let seq = 0;
  let x = 777;
  const next = () => (x = (x * 1103515245 + 12345) % 2147483648);
  for (let round = 0; round < 3000; round++) {
    if (next() % 3 !== 0 || live.length === 0) {
      const at = next() % 200;
      h.push(at, round);
      live.push([at, seq++, round]);
    } else {
      live.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      expect(h.topAt).toBe(live[0][0]);
      expect(h.popId()).toBe(live.shift()![2]);
    }
    expect(h.size).toBe(live.length);
  }
  const e = h.peek()!;
  expect(h.pop()).toEqual(e);
  h.clear();
  expect(h.size).toBe(0);
  expect(h.topAt).toBe(Infinity);
});
