import { describe, expect, it } from 'vitest';
import { TileGrid } from '../src/tile-grid.ts';

describe('tile versions', () => {
  it('changes join a version nobody was sent; once sent, the next change starts a new one', () => {
    const dropped: number[] = [];
    const grid = new TileGrid(130, 70, (t) => dropped.push(t));
    expect([grid.columns, grid.rows, grid.count]).toEqual([3, 2, 6]);
    expect(grid.tileRect(5)).toEqual({ x: 128, y: 64, w: 2, h: 6 });
    // Nothing yet: a viewer holding 0 lacks the whole tile.
    expect(grid.stale(0, 0)).toEqual({ x: 0, y: 0, w: 64, h: 64 });

    grid.observe(0);
    grid.changed({ x: 10, y: 10, w: 4, h: 4 });
    grid.changed({ x: 20, y: 5, w: 2, h: 2 });
    expect(grid.versions[0]).toBe(2);
    expect(dropped).toEqual([0]);
    // One version behind: the box of both changes; further behind: the tile; up to date: nothing.
    expect(grid.stale(0, 1)).toEqual({ x: 10, y: 5, w: 12, h: 9 });
    expect(grid.stale(0, 0)).toEqual({ x: 0, y: 0, w: 64, h: 64 });
    expect(grid.stale(0, 2)).toBeNull();
  });

  it('a change across tiles touches each of them with its own part', () => {
    const grid = new TileGrid(200, 100, () => undefined);
    for (let t = 0; t < grid.count; t++) grid.observe(t);
    grid.changed({ x: 60, y: 60, w: 10, h: 10 });
    expect(Array.from(grid.versions)).toEqual([2, 2, 1, 1, 2, 2, 1, 1]);
    expect(grid.stale(5, 1)).toEqual({ x: 64, y: 64, w: 6, h: 6 });
  });

  it('a copy closes the versions it makes, so a viewer moved to them by a CopyRect stays exact', () => {
    const grid = new TileGrid(128, 64, () => undefined);
    const moves = grid.copied({ x: 32, y: 0, w: 64, h: 10 });
    expect(Array.from(moves)).toEqual([0, 1, 2, 1, 1, 2]);
    grid.changed({ x: 40, y: 20, w: 1, h: 1 });
    expect(grid.versions[0]).toBe(3);
    expect(grid.stale(0, 2)).toEqual({ x: 40, y: 20, w: 1, h: 1 });
  });
});
