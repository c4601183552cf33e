import { describe, expect, it } from 'vitest';
import { SseParser, type SseEvent } from '../src/api/sse-parser.ts';

function parseAll(chunks: string[]): { events: SseEvent[]; retries: number[] } {
  const events: SseEvent[] = [];
  const retries: number[] = [];
  const parser = new SseParser(
    (event) => events.push(event),
    (ms) => retries.push(ms),
  );
  for (const chunk of chunks) parser.push(chunk);
  return { events, retries };
}

describe('the event-stream parser', () => {
  it('reads typed events, multi-line data, comments and retry', () => {
    const { events, retries } = parseAll([
      'retry: 3000\n\n: ping\n\nevent: snapshot\ndata: {"a":\ndata: 1}\n\ndata: plain\n\n',
    ]);
    expect(retries).toEqual([3000]);
    expect(events).toEqual([
      { type: 'snapshot', data: '{"a":\n1}' },
      { type: 'message', data: 'plain' },
    ]);
  });

  it('gives the same events however the text is split, with LF, CR LF or CR line ends', () => {
    const text = 'event: changes\r\ndata: [1]\r\n\r\nevent: status\rdata:{"state":"live"}\r\revent: x\ndata: y\n\n';
    const whole = parseAll([text]).events;
    expect(whole).toEqual([
      { type: 'changes', data: '[1]' },
      { type: 'status', data: '{"state":"live"}' },
      { type: 'x', data: 'y' },
    ]);
    for (let size = 1; size <= 7; size++) {
      const chunks = [];
      for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
      expect(parseAll(chunks).events).toEqual(whole);
    }
  });

  it('ignores an event without data and an unfinished last event', () => {
    expect(parseAll(['event: nothing\n\ndata: unfinished\n']).events).toEqual([]);
  });

  it('joins a very long line split over many chunks once', () => {
    const payload = 'x'.repeat(2_000_000);
    const chunks = ['event: snapshot\ndata: '];
    for (let i = 0; i < payload.length; i += 65_536) chunks.push(payload.slice(i, i + 65_536));
    chunks.push('\n\n');
    const { events } = parseAll(chunks);
    expect(events).toHaveLength(1);
    expect(events[0]!.data.length).toBe(payload.length);
  });
});
