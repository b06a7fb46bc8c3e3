import type { SourceHeartbeats } from '@callboard/runtime';
import { SIMULATOR_SOURCE } from './event-builder.js';
import type { EventSink } from './sinks.js';

/**
 * `sink`, telling the source heartbeats (runtime startSourceHeartbeats) of each intact event it took,
 * so the simulator's heartbeats carry the newest event it produced, like a PBX adapter's
 * (docs/decisions/0008-source-freshness.md). Corrupt items are not events of the source.
 */
export function withSourceHeartbeats(sink: EventSink, beats: Pick<SourceHeartbeats, 'noteEvent'>): EventSink {
  return {
    async write(item) {
      await sink.write(item);
      if (item.kind === 'event') beats.noteEvent(item.event.tenantId, item.event.source ?? SIMULATOR_SOURCE, Date.parse(item.event.occurredAt));
    },
    close: () => sink.close(),
  };
}
