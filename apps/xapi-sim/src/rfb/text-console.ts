import type { GuestDisplay, InputEvent } from '../consoles/backend.ts';
import { guestBootLog, hostBanner } from './banners.ts';
import { Getty } from './getty.ts';
import { type RfbVersion, MAX_CUT_TEXT } from '@xwc/rfb';
import { InputLog } from './input-log.ts';
import { keysymToKey, keyToKeysym, textToKeys, type TypedKey } from './keys.ts';
import { RfbServer } from './server.ts';
import { snapshotOf, type Snapshot } from './snapshot.ts';
import { Terminal } from './terminal.ts';
import { TerminalView } from './terminal-view.ts';
import { Vt100Server } from './vt100.ts';

export interface TextConsoleOptions {
  kind: 'guest' | 'host';
  title: string;
  hostname: string;
  rfbVersion: RfbVersion;
}

/** Middle button in an RFB pointer mask: XenCenter pastes into vncterm with ClientCutText then a middle click. */
const MIDDLE_BUTTON = 0b010;
/** Pasted text is typed key by key; more than a screenful is not useful at a login prompt. */
const MAX_PASTE = 4096;

/** A vncterm-like text console (PV guest or dom0): one terminal seen through RFB (640x400) and vt100. */
export class TextConsole implements GuestDisplay {
  readonly terminal = new Terminal();
  readonly rfb: RfbServer;
  readonly vt100: Vt100Server;
  private readonly view: TerminalView;
  private readonly log = new InputLog();
  private readonly getty: Getty;
  private readonly unsubscribeBell: () => void;
  private pasteBuffer = '';
  private buttons = 0;

  constructor(options: TextConsoleOptions) {
    this.view = new TerminalView(this.terminal);
    this.getty = new Getty(this.terminal, options.hostname);
    this.rfb = new RfbServer({
      framebuffer: this.view.framebuffer,
      name: options.title,
      version: options.rfbVersion,
      // vncterm reads keysyms as characters; it never offered QEMU's scan-code keys.
      extendedKeyEvents: false,
      onInput: (event) => this.receive(event),
    });
    this.vt100 = new Vt100Server(this.terminal, (keys) => this.typeFromVt100(keys));
    this.unsubscribeBell = this.terminal.onBell(() => this.rfb.bell());
    const banner = options.kind === 'guest' ? guestBootLog : hostBanner;
    this.terminal.write(banner(options.title, options.hostname));
    this.getty.prompt();
  }

  get input(): readonly InputEvent[] {
    return this.log.events;
  }

  onInput(listener: (event: InputEvent) => void): () => void {
    return this.log.onInput(listener);
  }

  setClipboard(text: string): void {
    this.rfb.setClipboard(text.slice(0, MAX_CUT_TEXT));
  }

  close(): void {
    this.rfb.close();
    this.vt100.close();
    this.unsubscribeBell();
    this.view.dispose();
    this.log.clearListeners();
  }

  snapshot(): Snapshot {
    return snapshotOf(this.view.framebuffer);
  }

  /** The screen's text rows, trailing spaces removed. */
  screenLines(): string[] {
    return this.terminal.lines();
  }

  private receive(event: InputEvent): void {
    this.log.record(event);
    switch (event.type) {
      case 'key':
      case 'scancode': {
        // XenServer 254 carries no keysym; vncterm never receives it (it is for qemu), so it is only recorded.
        const key = event.down && event.keysym !== undefined ? keysymToKey(event.keysym) : null;
        if (key) this.getty.key(key);
        return;
      }
      case 'cut-text':
        this.pasteBuffer = event.text;
        return;
      case 'pointer': {
        const pressed = event.mask & ~this.buttons;
        this.buttons = event.mask;
        if (pressed & MIDDLE_BUTTON)
          for (const key of textToKeys(this.pasteBuffer.slice(0, MAX_PASTE))) this.getty.key(key);
        return;
      }
    }
  }

  /** Bytes typed on the vt100 port are recorded as the key presses an RFB client would have sent. */
  private typeFromVt100(keys: TypedKey[]): void {
    for (const key of keys) {
      const keysym = keyToKeysym(key);
      this.log.record({ type: 'key', down: true, keysym, at: Date.now() });
      this.log.record({ type: 'key', down: false, keysym, at: Date.now() });
      this.getty.key(key);
    }
  }
}
