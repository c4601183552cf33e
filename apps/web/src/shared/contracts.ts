/** The contracts the gateway and the UI share (console close codes, the console's text-frame messages). */
export * from '../../../../packages/contracts/src/index.ts';
