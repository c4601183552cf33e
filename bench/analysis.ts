/**
 * What limits a missed target, by figure id: written from profiles and experiments on this machine kind (kept
 * here, not measured by the run), shown in docs/BENCHMARKS.md only for the targets a run missed.
 */

export const PREAMBLE = [
  'XWC against the engine of nova-novncproxy (Debian’s websockify) and the physical limit (raw loopback TCP),',
  'measured in one run of `npm run bench`. Benchmarks are measurements, never assertions: `npm test` has no timed',
  'checks. Everything binds to loopback; the gateway, the bridge, the simulated pool, the TCP target and websockify',
  'each run in their own process, stopped by PID.',
  '',
  '**This machine is shared.** Other work ran on the same two cores during the run (the load average before each',
  'scenario is listed at the end); figures taken under load are lower and noisier, which is why every ratio in the',
  'table compares paths measured in the same minutes, interleaved run by run.',
].join('\n');

const THROUGHPUT = [
  'The bridge process is not busy in JavaScript: a CPU profile of `bench/servers/bridge-server.ts` during 256 MiB',
  'transfers shows it idle most of the time, with `writev`, the `ws` sender and the GC under 10 %. The cost is in',
  'the kernel: Node allocates a fresh 64 KiB buffer for every socket read, glibc gives freed memory back to the',
  'kernel, and on this VM kind a page faulted back in costs tens of microseconds (a 256 MB first touch runs at',
  '~85 MB/s here). The bridge took 10,762 minor faults per 128 MiB relayed (one per three pages), websockify’s',
  'steady buffers none. Experiment (same client, same target, interleaved): the unchanged bridge moved 89, 129 and',
  '113 MB/s; the same bridge started with',
  '`GLIBC_TUNABLES=glibc.malloc.trim_threshold=1073741824:glibc.malloc.mmap_threshold=33554432` moved 132, 239 and',
  '335 MB/s. **Product change:** start the gateway with that variable (`scripts/start.mjs`, the `spawn` of',
  '`apps/proxy/src/main.ts`: add it to `env`; and say so in `docs/configuration.md` for other launchers), or keep',
  'read buffers in the process in code (e.g. `net.Socket`’s `onread` with a pooled buffer in',
  '`apps/proxy/src/console/tunnel.ts`, copying into a slab the bridge recycles once `ws.send` calls back).',
  'Client→server also pays for unmasking in JavaScript: `ws` uses its optional native `bufferutil` when installed',
  '(not installed here; the bridge’s CPU per GiB client→server is about websockify’s with numpy). Adding',
  '`bufferutil` as an optional dependency of `apps/proxy` is the candidate fix (needs approval: a new dependency).',
  'The whole gateway also decrypts TLS from the host, and the simulated pool’s TLS relay runs on the same two cores',
  '(on a real pool that work is on the host).',
].join(' ');

const KEYSTROKE = [
  'The floor is the kernel, not the proxy: with a server that pushes as fast as its socket drains, every byte',
  'queued between server and client waits its turn at the reader’s 20 MB/s, i.e. 50 ms per MB, and Linux',
  'autotunes each socket’s buffers up to `tcp_wmem` 4 MiB and `tcp_rmem` 32 MiB here. Raw TCP alone (no proxy)',
  'shows it in the same table. Each proxy hop adds two more sockets’ buffers; the bridge adds its high-water mark',
  '(`CONSOLE_BUFFER_KIB`, 1 MiB = 50 ms at 20 MB/s by itself); the whole gateway adds TLS records and the simulated',
  'pool’s relay hop. Debian’s websockify 0.10 explodes less than expected with one flooded connection: its',
  'per-connection process was seen blocked in `send()` (`/proc/<pid>/stack`: `sk_stream_wait_memory`), which bounds',
  'its queue for a while and also stops it forwarding keys; its keys then come back late or not at all (marked ≥),',
  'and with 100 stalled clients its memory does grow by gigabytes (stalled-clients rows). Reaching 50 ms',
  'with a pushing server needs the bytes in flight bounded end to end: (1) in `apps/proxy/src/console/bridge.ts`,',
  'pace by time rather than bytes (measure the browser’s drain rate from the `ws.send` callbacks and pause the',
  'host side when the unflushed data exceeds ~20 ms of it, with a floor of 64 KiB), and a lower default',
  '`CONSOLE_BUFFER_KIB` (256); (2) on the gateway host, `sysctl net.ipv4.tcp_notsent_lowat=131072` so the',
  'browser-side socket reports writable only when little is unsent (Node has no per-socket `setsockopt`);',
  '(3) the host side is RFB’s own flow control: a real console server answers FramebufferUpdateRequests, and noVNC',
  'asks for the next update only after drawing one, so a real console only piles up like this with',
  'ContinuousUpdates.',
].join(' ');

const STALLED = [
  'By design each console may hold `CONSOLE_BUFFER_KIB` (1 MiB) of unsent data before the host side is paused,',
  'so 100 stalled consoles may hold ~100 MB plus TLS and socket buffers. A lower default (256 KiB) bounds it at a',
  'quarter (`apps/proxy/src/config.ts`, `CONSOLE_BUFFER_KIB`).',
].join(' ');

const MANY = [
  'Memory per console is the TLS socket to the host (OpenSSL’s read and write buffers and state), the browser’s',
  'WebSocket and socket, and the bridge’s closures and timers (a keepalive interval per console). The gateway',
  'starts at ~110 MB before any console (Node, tsx’s loader thread, Express, the XAPI client), which is a third of',
  'the budget. Candidates, in `apps/proxy/src/console/bridge.ts` and `tunnel.ts`: one shared keepalive sweep for',
  'all consoles instead of one `setInterval` per console; and running the gateway from compiled JavaScript instead',
  'of through tsx’s loader (its worker thread and source maps cost tens of MB). Not yet prototyped.',
].join(' ');

const FIRST_FRAME = [
  'The phase marks in the details row show where the time goes. The console page loads the app, waits for the',
  'session check and for the **whole inventory snapshot** over `/api/events` (`ConsoleGate` in',
  '`apps/web/src/console/ConsoleView.tsx` renders "Loading…" until `cache.loaded`, because `useTarget` reads the VM',
  'from the cache), then loads its code in a waterfall of three dynamic imports (`ConsolePage` → `ConsoleView` →',
  '`@novnc/novnc`), and only then opens the WebSocket (`ConsoleController.connect` in `controller.ts` awaits',
  '`loadRfb()` before `new WebSocket`). On a 10,000-VM pool the snapshot alone takes seconds (see the inventory',
  'row). **Product changes:** (1) connect as soon as the route is known: create the WebSocket before awaiting',
  '`loadRfb()` and hand the open socket to `new RFB(target, socket)` (noVNC accepts one), so the gateway’s console',
  'lookup and TLS CONNECT overlap the code download; (2) do not wait for the inventory cache to open a console: use',
  '`GET /api/objects/vm/:uuid` (one record) for availability and let the cache take over the follow logic when it',
  'arrives; (3) start `import("@novnc/novnc")` when the console page module loads, so the three chunks download in',
  'parallel. From the first console bytes to the first frame is the RFB handshake (a few round trips through the',
  'gateway) plus the simulated RFB server encoding, and noVNC decoding, a full 1024×768 update: the simulator’s',
  'share of that is the test double’s cost, to be separated by measuring behind a real Xvnc (`vnc` pool option).',
].join(' ');

const LOGIN = [
  'The inventory stream’s first event is a snapshot of every record of 15 classes: 34.6 MB of JSON for 10,000 VMs',
  '(vm 13.6 MB, vdi 5.9, vbd 4.5, vif 4.3, vm_metrics 3.5, vm_guest_metrics 0.8, console 0.6). Before its first byte',
  'leaves, the simulator spends ~3.4 CPU-s building the `event.from` reply and the gateway ~5.6 CPU-s receiving it',
  '(JSON-RPC decode, `parseRecord`, re-keying in `Inventory.replace`, `snapshotMessage`, `JSON.stringify` in',
  '`eventStream`, 11 % in GC); then the browser parses 35 MB and builds the tree. **Product changes:** (1) send the',
  'browser only what the tree, search and badges use (`apps/proxy/src/pool/inventory.ts`: a per-class field list in',
  '`toBrowser`/`snapshotMessage`; VBD, VDI, VIF and VM_metrics records fetched by the details view through',
  '`GET /api/objects/...`, which exists), which cuts the snapshot by an order of magnitude; (2) serialize the',
  'snapshot once per inventory, not once per subscriber (`eventStream`’s `send`); (3) compress `text/event-stream`',
  'responses. On the simulator side the time is the test double’s, but a real pool’s `event.from` over all classes',
  'is just as large.',
].join(' ');

export const ANALYSIS: Readonly<Record<string, string>> = {
  'throughput.s2c.bridge': THROUGHPUT,
  'throughput.c2s.bridge': THROUGHPUT,
  'throughput.s2c.gateway': THROUGHPUT,
  'throughput.c2s.gateway': THROUGHPUT,
  'keystroke.flood.p99.bridge': KEYSTROKE,
  'keystroke.flood.p99.gateway': KEYSTROKE,
  'stalled.growth': STALLED,
  'many.resident': MANY,
  'first-frame.p50': FIRST_FRAME,
  'inventory.login': LOGIN,
  'inventory.search.max':
    'Every keystroke re-filters and re-flattens the whole tree synchronously (`flatten` in ' +
    '`apps/web/src/inventory/tree.ts`, called from `NavigationPane`’s `useMemo`): 10,000 VMs are visited per key. ' +
    'Keeping the first keystrokes cheap needs the filter run on an index (names lower-cased once, as `search` is) ' +
    'and `useDeferredValue` for the query so typing stays responsive while the tree catches up.',
  'inventory.power':
    'A power change travels XAPI event → the gateway’s `event.from` loop → SSE `changes` → the cache → a render of ' +
    'the tree. If this row misses, look at the event batching in `watchEvents` (`packages/api-client/src/events.ts`).',
};
