/** A `full address` value as `rdpTarget` (@xwc/contracts) returns it: checked again here, right before writing. */
const ADDRESS = /^(?:[0-9.]{7,15}|\[[0-9a-f:]{2,39}\])$/;

/** The `.rdp` file for a guest address: fixed settings, the address the only value taken from the guest. */
export function rdpFile(address: string): string {
  if (!ADDRESS.test(address))
    throw new Error('refusing to write an .rdp file for an address that is not an IP literal');
  return [
    `full address:s:${address}`,
    'prompt for credentials:i:1',
    'screen mode id:i:2',
    'administrative session:i:0',
    '',
  ].join('\r\n');
}
