import type { TailedEvent } from '@app/redis-streams/admin';
import { eventPayload, sseFrame, wsMessage } from './event-views';

const event: TailedEvent = {
  id: '1-2',
  type: 'ingestion.started',
  eventId: 'e',
  timestamp: 't',
  data: { text: 'two\nlines' },
};

describe('event views', () => {
  it('payload: null for a missing event_id/timestamp, headers and malformed only when present', () => {
    expect(eventPayload({ id: '1-0', type: 'x', data: 'raw', malformed: 'invalid-json' })).toEqual({
      event_id: null,
      type: 'x',
      timestamp: null,
      data: 'raw',
      malformed: 'invalid-json',
    });
    expect(eventPayload({ ...event, headers: { source: 'api' } }).headers).toEqual({ source: 'api' });
    expect(eventPayload(event)).not.toHaveProperty('headers');
  });

  it('SSE frame: id, event, one data line', () => {
    expect(sseFrame(event)).toBe(
      'id: 1-2\nevent: ingestion.started\ndata: {"event_id":"e","type":"ingestion.started","timestamp":"t","data":{"text":"two\\nlines"}}\n\n',
    );
  });

  it('SSE frame: a line break in a type cannot inject lines', () => {
    const frame = sseFrame({ ...event, type: 'a\r\ndata: injected' });
    expect(frame.split('\n').filter((line) => line.startsWith('data:'))).toHaveLength(1);
  });

  it('WebSocket message: the payload with the entry id', () => {
    expect(JSON.parse(wsMessage(event))).toEqual({
      id: '1-2',
      type: 'ingestion.started',
      event_id: 'e',
      timestamp: 't',
      data: { text: 'two\nlines' },
    });
  });
});
