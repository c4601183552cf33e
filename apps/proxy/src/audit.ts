import type { Writable } from 'node:stream';
import { redact } from './log.ts';
import { currentRequestId } from './ops/request-id.ts';

export type AuditEvent =
  | {
      event: 'login';
      user: string;
      outcome: 'success' | 'failure' | 'rate-limited' | 'error';
      role?: string;
      reason?: string;
    }
  | { event: 'logout'; user: string; reason: 'user' | 'expired' | 'ended-by-pool' }
  | {
      event: 'console-open';
      user: string;
      object: string;
      objectName?: string;
      consoleId: string;
      /**
       * `direct`: a lone viewer bridged to the pool; `shared`: a viewer of the console engine; `text`: a viewer of the
       * VM's shared text (vt100) console.
       */
      mode: 'direct' | 'shared' | 'text';
      /** The console is being recorded: the recording's id (`/recordings/<id>` in the UI). */
      recording?: string;
    }
  | {
      event: 'console-close';
      user: string;
      object: string;
      objectName?: string;
      consoleId: string;
      outcome: string;
      durationMs: number;
      bytesToBrowser: number;
      bytesToHost: number;
      inputEvents: number;
    }
  | { event: 'console-refused'; user: string; object: string; outcome: string }
  /** The keyboard of a shared console changed hands (`how`: request, hand-over, take, typed); `from` had it. */
  | { event: 'console-control'; user: string; object: string; how: string; from?: string }
  /** The pool's console broke the RFB protocol; its viewers were disconnected. */
  | { event: 'console-fault'; object: string; reason: string }
  | {
      event: 'extension-change';
      user: string;
      object: string;
      keys: string[];
      outcome: 'success' | 'invalid' | 'denied' | 'failed-rolled-back' | 'failed';
      detail?: string;
    }
  /** A console recording started, failed (writing stopped; the console went on), ended, or was deleted by policy. */
  | { event: 'recording-start'; recording: string; object: string; objectName: string; keys: boolean }
  | { event: 'recording-failed'; recording: string; object: string; reason: string }
  | { event: 'recording-end'; recording: string; object: string; outcome: string; bytes: number; durationMs: number }
  | { event: 'recording-deleted'; recording: string; object: string; reason: 'retention' | 'size-cap'; bytes: number }
  /** Someone listed, played or downloaded recordings (`outcome: forbidden` when refused). */
  | { event: 'recording-access'; user: string; action: string; recording?: string; outcome: 'success' | 'forbidden' }
  /** A pool administrator accepted (or was refused accepting) a pool host's renewed certificate; fingerprints only. */
  | {
      event: 'certificate-accept';
      user: string;
      host: string;
      accepted: string;
      previous?: string;
      outcome: 'success' | 'forbidden' | 'failure';
    }
  | { event: 'power'; user: string; object: string; action: string; outcome: 'success' | 'failure'; detail?: string }
  /** A disc put into or taken out of a VM's DVD drive (`object`: the drive, `vbd/<uuid>`; `iso`: the disc's name). */
  | {
      event: 'dvd-change';
      user: string;
      object: string;
      action: 'insert' | 'eject';
      iso?: string;
      outcome: 'success' | 'failure';
      detail?: string;
    }
  /** Share links (never their tokens): made, revoked (`user` revoked `createdBy`'s link), opened by a guest, refused. */
  | {
      event: 'share-create';
      user: string;
      object: string;
      link: string;
      expiresAt: string;
      singleUse: boolean;
    }
  | { event: 'share-revoke'; user: string; object: string; link: string; createdBy: string }
  | { event: 'share-open'; sharedBy: string; object: string; link: string; consoleId: string }
  | { event: 'share-refused'; object: string; outcome: string; link?: string; sharedBy?: string }
  | {
      event: 'share-close';
      sharedBy: string;
      object: string;
      link: string;
      consoleId: string;
      outcome: string;
      durationMs: number;
      bytesToBrowser: number;
    };

export interface AuditContext {
  /** The client's address as the gateway saw it. */
  source: string;
}

export type Audit = (entry: AuditEvent, context: AuditContext) => void;

/** One JSON line per event: who, what, outcome, from where, on which instance, for which request (`requestId`). */
export function createAudit(sink: Writable, instance: string): Audit {
  return (entry, context) => {
    const requestId = currentRequestId();
    const line = {
      time: new Date().toISOString(),
      instance,
      source: context.source,
      ...(requestId ? { requestId } : {}),
      ...(redact(entry) as object),
    };
    sink.write(`${JSON.stringify(line)}\n`);
  };
}
