import type { RemovableMedia } from '../model/removable-media.ts';
import { param } from './params.ts';
import { roleOf, VOID, type MethodSpec } from './registry.ts';

/** `VBD.insert` and `VBD.eject` (and their `Async.` forms), with the role xapi's data model gives them. */
export function vbdMethods(media: RemovableMedia): MethodSpec[] {
  return [
    {
      name: 'VBD.insert',
      session: true,
      params: [param('vbd', 'VBD ref'), param('vdi', 'VDI ref')],
      role: roleOf('VBD', 'insert'),
      async: true,
      call: async ({ task }, [vbd, vdi]) => {
        await media.insert(vbd as string, vdi as string, task);
        return VOID;
      },
    },
    {
      name: 'VBD.eject',
      session: true,
      params: [param('vbd', 'VBD ref')],
      role: roleOf('VBD', 'eject'),
      async: true,
      call: async ({ task }, [vbd]) => {
        await media.eject(vbd as string, task);
        return VOID;
      },
    },
  ];
}
