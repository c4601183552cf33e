import type { ConsolePresence } from '../console/presence.ts';
import './recordings.css';

/**
 * What everyone on a recorded console sees, all the time: a "Recording" badge (saying whether keys are captured), or,
 * when recording failed, a warning that stays until the console closes.
 */
export function RecordingIndicator({ recording }: { recording: ConsolePresence['recording'] }) {
  if (!recording) return null;
  if (recording.state === 'failed') {
    return (
      <span className="console-recording failed" role="alert" title={recording.reason}>
        Recording failed
      </span>
    );
  }
  return (
    <span
      className="console-recording"
      role="status"
      title={
        recording.keys
          ? 'This console is being recorded, including which keys are pressed.'
          : 'This console is being recorded (the screen, who is on it, and that keys were pressed — not which).'
      }
    >
      <span className="recording-dot" aria-hidden="true" />
      Recording{recording.keys ? ' (keys captured)' : ''}
    </span>
  );
}
