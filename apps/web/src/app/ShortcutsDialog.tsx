import { Modal } from '../ui/Modal.tsx';

/** Every keyboard shortcut of the UI in one place (opened with "?" or from the Account menu). */
const SHORTCUTS: readonly [string, string][] = [
  ['/', 'Search the inventory'],
  ['Esc (in the search box)', 'Clear the search'],
  ['↑ ↓ Home End PgUp PgDn', 'Move in the tree'],
  ['→ ←', 'Open or close a node; go to its first child or its parent'],
  ['Enter', 'Show the selected object'],
  ['A letter', 'Jump to the next object whose name starts with it'],
  ['Shift+F10 or the menu key', 'Actions for the object (also right-click)'],
  ['Ctrl+S', 'Save the form you are editing'],
  ['Click the console', 'Send the keyboard and mouse to the VM'],
  ['Right Ctrl (tap)', 'Release the keyboard from the console'],
  ['Ctrl+Alt+Insert', 'Send Ctrl+Alt+Del to the VM'],
  ['Ctrl+Alt+Y', 'On a shared console, while you have the keyboard: hand it over to the first who asked'],
  ['Ctrl+Alt+N', 'On a shared console, while you have the keyboard: turn down the first request for it'],
  ['Esc (hold, in fullscreen)', 'Leave fullscreen'],
  ['?', 'Show this list'],
];

export function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  return (
    <Modal title="Keyboard shortcuts" onClose={onClose}>
      <table className="data-table shortcuts">
        <tbody>
          {SHORTCUTS.map(([keys, action]) => (
            <tr key={keys}>
              <th scope="row">
                <kbd>{keys}</kbd>
              </th>
              <td>{action}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="field-help">
        In the console, keys go to the VM: browser shortcuts that the browser lets pages keep (such as Ctrl+W in
        fullscreen with keyboard lock) are not acted on by the browser.
      </p>
    </Modal>
  );
}
