/**
 * One request at a time per netlink socket. The kernel refuses a second dump on a socket while
 * one is in progress (EBUSY from netlink_dump_start), and the netlink package keeps a single
 * multipart buffer per socket, so overlapping requests would fail or interleave.
 */
export type Serial = <T>(task: () => Promise<T>) => Promise<T>;

export function serial(): Serial {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };
}
