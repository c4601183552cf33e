import { rdpFileUrl } from '../api/endpoints.ts';
import { NULL_REF, type VmRec } from '../api/wire.ts';
import { useRecordByRef } from '../store/hooks.ts';
import { Glyph } from '../ui/Icon.tsx';
import { RDP_REFUSED } from '../shared/contracts.ts';
import { guestIps, isWindowsGuest, rdpOffer } from '../domain/remote-access.ts';

/** Faster guest-side consoles, when the guest offers one: an .rdp file for Windows, the address of Linux's own VNC. */
export function RemoteAccess({ vm }: { vm: VmRec }) {
  const gm = useRecordByRef('vm_guest_metrics', vm.guest_metrics === NULL_REF ? undefined : vm.guest_metrics);
  if (vm.power_state !== 'Running' || !gm) return null;
  const ips = guestIps(gm);
  const rdp = rdpOffer(gm);
  if (rdp.ok) {
    return (
      <div className="remote-access">
        <Glyph name="info" />
        <span>
          Remote Desktop is enabled in this guest ({rdp.address}). It is faster than the console for daily work.
        </span>
        <a className="button" href={rdpFileUrl(vm.uuid)} download={`${vm.name_label || vm.uuid}.rdp`}>
          <Glyph name="download" /> Download .rdp file
        </a>
      </div>
    );
  }
  if (rdp.reason === 'invalid-address') {
    return (
      <div className="remote-access" role="status">
        <Glyph name="info" />
        <span>{RDP_REFUSED[rdp.reason]}</span>
      </div>
    );
  }
  if (isWindowsGuest(gm) || ips.length === 0) return null;
  return (
    <div className="remote-access">
      <Glyph name="info" />
      <span>
        If this guest runs its own VNC server, connect a VNC viewer to <code>{ips[0]}:5900</code>
        {ips.length > 1 ? ` (other addresses: ${ips.slice(1).join(', ')})` : ''}. The console here works without guest
        networking.
      </span>
    </div>
  );
}
