// @novnc/novnc 1.7 is ESM with `exports: ./core/rfb.js`; @types/novnc__novnc 1.6 only declares the old lib/ path.
declare module '@novnc/novnc' {
  import RFB from '@novnc/novnc/lib/rfb';
  export default RFB;
}
