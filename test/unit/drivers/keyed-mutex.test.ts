import { KeyedMutex } from '../../../src/drivers/keyed-mutex';

describe('KeyedMutex', () => {
  it('lets one holder per key in at a time, in arrival order, and keeps other keys independent', async () => {
    const mutex = new KeyedMutex();
    const order: string[] = [];
    const first = await mutex.acquire('leaf01');
    const second = mutex.acquire('leaf01').then((release) => (order.push('second'), release));
    const third = mutex.acquire('leaf01').then((release) => (order.push('third'), release));
    const other = await mutex.acquire('leaf02'); // not blocked by leaf01
    order.push('other');
    expect(order).toEqual(['other']);
    first();
    (await second)();
    (await third)();
    other();
    expect(order).toEqual(['other', 'second', 'third']);
    expect(mutex.heldKeys()).toEqual([]);
  });

  it('stops waiting when the signal aborts, without blocking those behind', async () => {
    const mutex = new KeyedMutex();
    const held = await mutex.acquire('k');
    const controller = new AbortController();
    const aborted = mutex.acquire('k', controller.signal);
    const next = mutex.acquire('k');
    controller.abort(new Error('cancelled'));
    await expect(aborted).rejects.toThrow('cancelled');
    held();
    (await next)();
    expect(mutex.heldKeys()).toEqual([]);
  });

  it('acquires several keys in sorted order, so crossing requests cannot deadlock', async () => {
    const mutex = new KeyedMutex();
    const blocker = await mutex.acquire('s1');
    const a = mutex.acquireAll(['s2', 's1']);
    const b = mutex.acquireAll(['s1', 's2']);
    await Promise.resolve();
    // Both wait for s1 first; neither sits on s2 meanwhile (unsorted, `a` would, and could deadlock with `b`).
    expect(mutex.heldKeys()).toEqual(['s1']);
    blocker();
    (await a)();
    (await b)();
    expect(mutex.heldKeys()).toEqual([]);
  });
});
