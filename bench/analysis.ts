/**
 * Explanations written from profiles and experiments on this machine kind (kept here, not measured by the run):
 * what profiling changed in the product, and what limits each target a run missed (shown only for those).
 */

export const PREAMBLE = [
  'XWC against the engine of nova-novncproxy (Debian’s websockify) and the physical limit (raw loopback TCP),',
  'measured in one run of `npm run bench`. Benchmarks are measurements, never assertions: `npm test` has no timed',
  'checks. Everything binds to loopback; the gateway, the bridge, the simulated pool, the TCP target, Xvnc and',
  'websockify each run in their own process, stopped by PID. The gateway runs as `npm start` runs it: bundled by',
  'the build’s own esbuild settings, on `node --enable-source-maps`.',
  '',
  '**This machine is small and shared:** two cores carry the client, the proxy under test, the target and (for the',
  'whole gateway) the simulated pool’s TLS relay at once, and other work may run beside the benchmark (the load',
  'average before each scenario is listed at the end). That is why every ratio compares paths measured in the same',
  'minutes, interleaved run by run; where XWC is compared with another of its own paths (the shared console',
  'engine beside pass-through), the runs are made in pairs of alternating order and the ratio is taken within',
  'each pair (its own table). Every figure is a median, with the range of its runs in brackets.',
  'Every process under test (gateway, bridge, websockify, the TLS pipe, the target, the pool, Xvnc) runs with the',
  'same `GLIBC_TUNABLES` (the gateway’s deployed setting, `scripts/gateway-env.json`); the measuring client is the',
  'same for every path. Memory of multi-process peers (websockify forks per connection) is PSS, with RSS beside',
  'it. This file is generated from `bench/results.json` (`npm run bench -- --render`); the analysis quotes its',
  'figures by their keys there, none is typed by hand.',
  '',
  '`npm run bench -- --quick` writes its own files (`bench/results.quick.json`, `bench/tmp/quick/`) and judges no target (its sizes are',
  'smaller than the targets are set for). Profiles: `XWC_BENCH_PROFILE=<dir> npm run bench -- --only <scenario>',
  '[--cases <case>]` runs every gateway under `node --cpu-prof`; `npx tsx bench/profile.ts <file> --from 5`',
  'summarises one (self and total time per function, leaving out start-up).',
].join('\n');

/** Product changes made because of these benchmarks, each with what it measured before and after. */
export const CHANGES: readonly string[] = [
  '**Freed socket buffers stay in the gateway’s heap** (`GLIBC_TUNABLES` in `scripts/gateway-env.json`, used by ' +
    '`npm start`; documented in `docs/configuration.md` for other launchers). Node allocates a fresh buffer per ' +
    'socket read and glibc returned it to the kernel each time; re-faulting those pages cost more than the bridge ' +
    'itself on this VM kind (10,762 minor faults per 128 MiB relayed). Same bridge, interleaved: 89, 129, 113 MB/s ' +
    'before, 132, 239, 335 MB/s after.',
  '**Native WebSocket masking** (`bufferutil`, an optional dependency of `apps/proxy`): client→server through the ' +
    'bridge went from 162 MB/s (1.20× websockify) to 550 MB/s (2.31×), and from 3.56 to 1.35 CPU s/GiB.',
  '**256 KiB of unsent data per console before the host side is paused** (`CONSOLE_BUFFER_KIB`, was 1 MiB): ' +
    'memory growth with 100 stalled consoles went from 121 MB (a miss) to 35.5 MB, and less data queues ahead of ' +
    'a keystroke’s echo.',
  '**A console window connects before anything else** (`apps/web/src/console/preconnect.ts`): its WebSocket ' +
    'opens as the page starts, before React, the session check and noVNC’s code; noVNC takes the socket over with ' +
    'what arrived meanwhile, and no longer waits for the inventory.',
  '**The inventory’s core classes first** (`apps/proxy/src/pool/inventory.ts`): the tree, search and badges need ' +
    '11 classes; VBDs, VDIs, VIFs and the like follow as additions (in messages of at most 1,000 records, so the ' +
    'browser never parses a pool’s worth in one task, and the browser handles one event per task), and a console ' +
    'window streams only its own VM ' +
    '(`/api/events?vm=`). Snapshots are serialised once per change for every subscriber and written in pieces; ' +
    'JSON-RPC replies are encoded in one pass and decoded in place. Login → tree on 10,000 VMs went from 9.9 s to ' +
    'about 3 s; the worst search keystroke typed right after login from 230 ms to under 100 ms.',
  '**The simulator’s console relay writes to the VNC server without Nagle** (`apps/xapi-sim/src/rfb/relay.ts`): ' +
    'a key released right after it was pressed waited for the server’s delayed acknowledgement of the press (up ' +
    'to 40 ms), which measured as 27 ms of a 30 ms idle keystroke round trip (p50) through pass-through; 3.7 ms ' +
    'after. A benchmark artefact (a real host’s console server is not behind this relay), found by the engine’s ' +
    'keystroke scenario.',
  '**A large pool’s inventory in a third of the memory** (`apps/proxy/src/pool/inventory.ts`, ' +
    '`packages/api-client`): the gateway keeps each record as the JSON the browser reads, made once on arrival, with ' +
    'the few fields it reads itself beside it; records are parsed into objects laid out with all their fields (built ' +
    'field by field they fell into V8’s dictionary mode at twice the size); a reply is decoded as it arrives instead ' +
    'of kept as buffers and copied whole (which left tens of MB with the allocator); the parsed snapshot is let go ' +
    'once in. A gateway on the 11,000-VM scale pool after one login’s whole inventory: 256 MB RSS (113 MB heap) ' +
    'before, 155 MB (80 MB) after. With getters sharing at most 16 connections to the master and an ending ' +
    'console’s idle timeout read from the inventory, 1,000 consoles went from a 383 MB peak (a miss) to the figure ' +
    'in the table.',
  '**Tried and dropped:** a smaller V8 heap growing factor (`--heap-growing-percent=20`) cut the 1,000-consoles ' +
    'peak by ~100 MB but raised the gateway’s CPU with 50 full-colour viewers from 81 % to 97 % of a core.',
  '**Tried and dropped:** merging the TLS records that arrive in one event-loop turn into one WebSocket message ' +
    '(fewer frames and writes) cost more in copies than it saved: the gateway’s CPU per GiB rose.',
];

const THROUGHPUT = [
  'Server→client through the bridge alone, paired with websockify: {throughput.s2c.bridge.vs.websockify:ratio}',
  '(bridge {throughput.s2c.bridge.vs.websockify}, websockify {throughput.s2c.bridge.vs.websockify:theirs}); both',
  'read 64 KiB and send each read as one WebSocket message (message sizes in the details). CPU per GiB moved, paired',
  'the same way: the bridge {throughput.s2c.cpu.bridge.vs.websockify}, websockify',
  '{throughput.s2c.cpu.bridge.vs.websockify:theirs} ({throughput.s2c.cpu.bridge.vs.websockify:ratio}). A CPU profile',
  'of the bridge process under this transfer shows two states. On a quiet machine the kernel’s loopback send',
  '(`writev`) is 45–58 % of its busy time, Node’s streams and `ws`’s sender about 30 %, garbage collection 5 % and',
  'the bridge’s own code under 2 % (no per-chunk accounting to remove; activity parsing is client→server only); it',
  'then spends 1.0–1.5 CPU s/GiB (0.7–0.9 of it in the kernel) against websockify’s 1.0–1.3 and the pair is at',
  'about 1.0×. Under load (load average 10–20 on the two cores, as in this run) the same process turns to',
  'collecting: garbage collection takes about 40 % of its main thread (full collections every 100–250 ms, flagged',
  'as V8’s idle-time collections: the bridge allocates little on the JS heap but a fresh 64 KiB buffer per socket',
  'read), user time rises to 2–5 CPU s/GiB and the state lasts for the process; websockify (CPython) frees each',
  'buffer as it goes. That, not the bridge’s per-chunk work, is the figure. Tried, each paired against the bridge',
  'as it is: gathering the reads of one event-loop turn into one message (about 320 KiB, one copy) halved the plain',
  'bridge’s CPU per GiB in one loaded run but took the whole gateway to 0.74× the minimal TLS pipe at twice its CPU',
  'per GiB in the bench, so it was dropped; gathering into reused 64 KiB buffers (no per-message garbage) and',
  'corking the WebSocket across a turn were no better, and turning V8’s memory reducer off (`--no-memory-reducer`)',
  'kept the bridge out of that state in one run of four pairs and not in the next. What would move it: no fresh',
  'buffer per read, i.e. reading into a reused buffer (`net.Socket`’s `onread`, which',
  'TLS sockets do not offer in Node 20). Client→server, where the proxy unmasks',
  '(the bridge natively, with `bufferutil`): {throughput.c2s.bridge.vs.websockify:ratio}.',
].join(' ');

const TLS = [
  'The whole gateway reads the pool through TLS: Node’s TLS layer hands over one record (≤ 16 KiB) per `data`',
  'event, so each WebSocket message is at most 16 KiB (details), four times the frames, writes and event-loop turns',
  'of the plain bridge for the same bytes. Beside the peers on that same relay: {throughput.s2c.gateway.vs.tlsPipe:ratio}',
  'of the minimal TLS→WebSocket pipe ({throughput.s2c.gateway.vs.tlsPipe:theirs}) and',
  '{throughput.s2c.gateway.vs.rawTls:ratio} of raw TLS read by the client itself ({throughput.s2c.gateway.vs.rawTls:theirs}).',
  'CPU per GiB: the gateway {throughput.s2c.cpu.gateway.vs.tlsPipe}, the pipe',
  '{throughput.s2c.cpu.gateway.vs.tlsPipe:theirs}. The simulated pool’s relay encrypts on the same two cores (on a',
  'real pool that work is on the host). Merging the records of one event-loop turn into one message with a copy',
  '(about 265 KiB messages) was measured again and lost: 0.74× the pipe at twice its CPU per GiB under load, the',
  'extra buffer per turn feeding the garbage collection the bridge’s entry describes. What would move it: a',
  '`writev` of the records under one frame header (no copy), or a gateway process per core.',
].join(' ');

const KEYSTROKE = [
  'The floor is the kernel, not the proxy: with a server that pushes as fast as its socket drains, every byte',
  'queued between server and client waits its turn at the reader’s 20 MB/s, i.e. 50 ms per MB, and Linux',
  'autotunes each socket’s buffers up to `tcp_wmem` 4 MiB and `tcp_rmem` 32 MiB here. Raw TCP alone (no proxy)',
  'shows it in the same table, far above 50 ms. Each proxy hop adds two more sockets’ buffers and the bridge its',
  '256 KiB high-water mark; the whole gateway adds TLS records and the simulated pool’s relay hop. websockify’s',
  'keys come back later or not at all (marked ≥). Reaching 50 ms with a pushing server needs the bytes in flight',
  'bounded end to end: pacing the bridge by time (pause the host side when the unflushed data exceeds ~20 ms of',
  'the browser’s measured drain rate) and `sysctl net.ipv4.tcp_notsent_lowat=131072` on the gateway host (Node',
  'has no per-socket `setsockopt`). A real console rarely floods like this: RFB is pull-based, and noVNC asks for',
  'the next update only after drawing one.',
].join(' ');

const STALLED = [
  'Each console may hold `CONSOLE_BUFFER_KIB` (256 KiB) of unsent data before the host side is paused, plus TLS',
  'and socket buffers: 100 stalled consoles may hold ~25 MB by design. Growth beyond that points at the stall',
  'timer or the pause in `apps/proxy/src/console/bridge.ts`.',
].join(' ');

const MANY = [
  'Each console is a lone viewer bridged byte for byte. Measured over the inspector (`process.memoryUsage()`, V8’s',
  'allocation sampling) on the 11,000-VM scale pool the scenario needs to run 1,000 VMs: the gateway starts at ~92',
  'MB and holds {many.baseline} once a login’s whole inventory is in and collected (inventory changes below). Each',
  'console then adds ~27 KB of V8 heap (the bridge’s and `ws`’s objects) and ~70 KB native, chiefly the TLS',
  'connection to the host (OpenSSL’s state and record buffers, for which Node offers no knob). The rest of the peak',
  'is garbage not yet collected: the openings’ XAPI calls, and the consoles ending together at the end of the',
  'window (before, each asked the pool its idle timeout over a TLS connection of its own).',
].join(' ');

const FIRST_FRAME = [
  'The phase marks in the details show where the time goes from the click: the gateway’s console lookup and TLS',
  'CONNECT (WebSocket open), the RFB handshake through the gateway (first console bytes, then three round trips),',
  'and the console server’s first full update, decoded and drawn by noVNC. With the simulator’s raw-only RFB',
  'server the first update is 3 MB, which is why that row is slower than a real Xvnc.',
].join(' ');

const LOGIN = [
  'Profiled on this machine (gateway and simulated pool under `--cpu-prof`, `XWC_BENCH_PROFILE_POOL=1`; Chromium',
  'through the DevTools protocol), at loads of 7–12. A first login waits for the pool: the simulated pool builds',
  'the `event.from` reply of the core classes of 10,000 VMs, 28.6 MB of JSON-RPC, in 2.2–2.8 s (asked directly,',
  'no gateway), the gateway decodes it (JSON.parse ~0.4 s, then every field checked against the schema:',
  '`parseRecord`, 6–7 % of its busy time; a closure made per field was another 6 %, now gone) and serialises 15 MB',
  'for the browser once, shared by every login. The browser then receives it (0.3–0.7 s on a loaded machine),',
  'parses and applies it (~0.4 s) and builds the tree (~0.25 s, `buildInfrastructure`). A later login gets the',
  'serialisation the gateway holds, and is that browser half alone — unless the gateway is still decoding the',
  'device classes that follow the first snapshot (as big again): its event loop is then busy for seconds and the',
  'next login’s stream starts late (one warm run: first bytes after 3.3 s). The gateway now asks the pool at the',
  'login itself rather than when the page opens its stream, which hides the page’s own start (~0.3 s) behind the',
  'pool’s reply. At 50,000 VMs the reply is ~143 MB, which the simulator took more than two minutes to build at',
  'load 20 (one Node process; its JSON-RPC encoder runs a replacer over every value, 1.3–2.5× a plain',
  '`JSON.stringify` of 47 MB of such records, and it blocks the pool meanwhile); the browser half',
  'grows fivefold too. What would move it: a compact first snapshot with only the fields the tree and search read,',
  'the rest fetched with the details view (`GET /api/objects/vm/:uuid` exists; the details, extension forms and',
  'console follow logic read the cache today), and decoding the pool’s reply in pieces so the gateway keeps',
  'serving meanwhile.',
].join(' ');

const SEARCH = [
  'A Chromium CPU profile of the keystrokes typed right after login (10,000 VMs): the page was still taking in the',
  'device-class records (1,000 per message, one message per task: JSON.parse 337 ms, applying them 259 ms over',
  '2.5 s), and a keystroke waits for the message in hand; the slowest keystroke also rebuilt the whole tree',
  '(`buildInfrastructure`, 170 ms), because its render read the cache’s current version. Renders now read the',
  'version of the last animation frame, so a keystroke filters the tree it has and the rebuild happens in its own',
  'frame. The first keystroke, "v", matches every VM: the whole tree is filtered, opened and flattened (`flatten`,',
  '`countMatches`), tens of ms on this machine. What would move the rest: parsing the device records off the main',
  'thread (a worker) so no message holds up a keystroke, and building the tree incrementally.',
].join(' ');

const POWER = [
  'A power change travels XAPI event → the gateway’s `event.from` loop → SSE `changes` → the cache → a rebuild of',
  'the tree in the next animation frame. The rebuild is the whole tree (leaves memoised per record, but every',
  'host’s list re-sorted and the rows flattened again): ~170 ms at 10,000 VMs in the profile, about five times that',
  'at 50,000, which is what limits this figure on the large pool. What would move it: rebuilding only the branch',
  'whose records changed.',
].join(' ');

const ENGINE_SECTION = 'Shared console engine';
const SEE_ENGINE = `See “${ENGINE_SECTION}” below.`;

const ENGINE = [
  'Profiles of the engine’s gateway (`XWC_BENCH_PROFILE=<dir> npm run bench -- --only console-keystroke --cases',
  '<case>`, and `--only shared-viewers`; `bench/profile.ts --from 5`, shares of the gateway’s busy time) on this',
  'machine, which other work kept at a load average of 5–10 while they ran.',
  '',
  '**Keystroke under a saturating screen.** A key’s echo is on the viewer’s screen when the update carrying it is',
  'complete (noVNC shows an update once it is whole). Each update to a viewer now carries only what that viewer',
  'takes in about 20 ms at its measured pace (the bytes of its last update over the time until it asked again, the',
  'latency that small updates show taken off: `packages/rfb/src/drain-meter.ts`); the rest stays stale for its next',
  'request, so an update in flight holds the next one back by ~20 ms of that viewer’s bytes rather than a whole',
  'screen, and a slow viewer gets fewer, newer pictures. Tiles go most urgent first (`ViewerTiles.pick`): what the',
  'console’s server changed in the first two updates that began after input reached it (a server draws the echo in',
  'its next answer, the second when one was already on its way), in the order it came, each tile once per viewer;',
  'then tiles left out of four updates in a row (so churn elsewhere cannot starve a change); then the newest. (Until',
  'the last committed run the window was one update and its tiles stayed first until the next key: on a screen that',
  'changes everywhere that is every tile, in the same order each time, so the last tiles, the echo cell’s among',
  'them, waited seconds or were never sent before the next key.) Full-colour tiles whose pixels hardly repeat a neighbour are stored, not',
  'deflated (a tile of noise cost ~5× more at zlib level 6 than stored, for no gain), and rectangles queued behind a',
  'socket write leave as one WebSocket message. In runs before and after, alternating, at loads of 10–27, the',
  'full-colour screen went from 3–9 updates/s of 0.8–1.7 MB to 7–23 updates/s of 0.1–0.7 MB and its p50 from',
  '330–950 ms to 140–440 ms (p99 still 0.3–1.9 s, with the load); the text-like screen did not move. What limits',
  'the figure now is upstream of the viewer: (1) the console server’s',
  'next answer. The engine keeps one FramebufferUpdateRequest outstanding upstream and asks again once an update is',
  'decoded; the bench’s server answers each with the whole 1024×640 area in Raw (2.6 MB through the pool’s TLS',
  'relay), so the echo waits for the rest of the update in flight, then comes first in the next. Asking again as',
  'soon as an update’s header is read would not shorten that with a server that answers at once, as this one and',
  'a busy Xvnc do: its next update would be composed before the key reached it, and the echo would wait one whole',
  'update more; it was not done. (2) The machine: the gateway decodes 2.6 MB of Raw per server update (`putRgba`),',
  'through TLS, on two cores that the server, the relay, the viewer and other work share, so the p99 follows the',
  'load. For the text-like screen the viewer was never the limit (a whole update is ~60–80 KiB, well under its',
  'budget): its figure is (1) and (2) alone. A profile of the engine’s gateway over both answering screens after',
  'this change (`--cases answer-noise,answer-text`, 100 s at a load of ~14) has it busy 34 % of the time: zlib’s',
  '`deflateSync` 14 % of that (was 40–44 %; the text tiles’ palettes now), the Tight encoder’s own work (palette',
  'scan, `stored`, the repeat test) 17 %, decoding the server’s Raw (`putRgba`) 11 %, GC 13 %, `writev` 4 %.',
  'With a server that writes without being asked (`push`), the gateway reads the console at its decoding pace',
  'while the server fills every buffer between them (its socket, the pool’s relay, the TLS socket): in the paired',
  'runs the viewer got 7–21 updates/s, each within its budget, while keys waited over a second, so the wait is',
  'before the engine; and the echo, written behind the server’s queue, is not the first change after the input, so',
  'it is not told apart from the flood and waits its turn round the screen at the viewer’s pace. By design the',
  'engine cannot reach 50 ms there: RFB gives a client no way to slow a server that ignores its requests but to read',
  'slower, and the buffers ahead of the gateway are not its own (Node sets no `SO_RCVBUF` per socket; the relay is',
  'the pool’s). Real VNC servers answer requests; TigerVNC’s continuous updates are paced by fences, which the',
  'engine does not ask for. Not done: Tight JPEG for full-colour tiles when a viewer asks for a quality level (Node',
  'has no JPEG encoder and a pure-JS one was not measured; the bench’s viewer asks for no quality level, so it could',
  'not show here), and deflate off the main thread.',
  '',
  '**Many viewers, worst case.** With 50 viewers of a screen that changes entirely 10 times a second, the gateway',
  'spends 38 % of its busy time in `writev` and 30 % in zlib: each tile is one WebSocket message, i.e. one',
  '`writev` system call per tile per viewer (`ViewerChannel.send` → `ws` → `Socket._writev`), ~190 per update',
  'for every viewer; for the typical text-like screen with 50 viewers `writev` is 58 % of a much smaller busy time',
  '(the encoded-tile cache does its job: zlib 10 %). Writing each viewer’s update in fewer socket writes (corking the',
  'socket for a pump turn, or one WebSocket message per update up to a size) was the first thing to change: since',
  'these profiles, rectangles queued behind a write leave as one message and incompressible tiles are stored (above;',
  'not profiled again with 50 viewers). The memory is the encoded-tile cache (bounded at 32 MiB), 128 KiB',
  'of write buffer per viewer, and the encoded tiles churned through at ~2.3 MB a frame, freed to glibc, which keeps',
  'them (`trim_threshold` of 256 MiB in scripts/gateway-env.json): the peak depends on when V8 collects them.',
  '',
  '**First frame.** The viewer’s RFB handshake starts once the engine’s upstream has its ServerInit, so the first',
  'console bytes come at about the same time as through pass-through (phase marks in the details); the difference',
  'is after them. The gateway’s share is the row “ServerInit → first complete update”: through the engine it',
  'decodes Xvnc’s first screen, then Tight-encodes all 192 tiles of a framebuffer that is new at each opening',
  '(`scanPalette` 21 % of the busy time in a profile of such openings) and sends 193 rectangles where Xvnc sends',
  '2 (details). The rest is in the page: a Chromium CPU profile of 10 openings each (taken apart from the run, over',
  'CDP) showed the main thread ~170 ms busier per opening through the engine, nearly all of it outside noVNC’s',
  'JavaScript, in the renderer’s native work (drawing, layout, message dispatch), which the profile does not break',
  'down. Sending fewer, larger rectangles for a whole-screen update (tiles of one palette merged, a fill for a',
  'uniform area) is where to start.',
].join('\n');

const COSTS = [
  'A lone viewer is bridged byte for byte (pass-through, the default `CONSOLE_SHARING=on-demand`): with 1,000 such',
  'consoles the gateway holds {many.resident} at its peak, {many.per-console} per console over the {many.baseline}',
  'it held before them (the pool’s inventory among it). Through the shared',
  'engine one console with one viewer adds {viewers.text.rss.1} and takes {viewers.text.cpu.1} on a',
  'text-like screen changing 10 times a second ({viewers.noise.rss.1} and {viewers.noise.cpu.1} when the whole',
  'screen changes in full colour): its framebuffer, its RFB client and the encoded-tile cache. Each viewer past',
  'the first adds {viewers.text.rss.perViewer} and {viewers.text.cpu.perViewer} on the text-like screen,',
  '{viewers.noise.rss.perViewer} and {viewers.noise.cpu.perViewer} on the full-colour one (from 1 to 50 viewers,',
  'run by run). The engine is used only once a second viewer arrives, so the many-consoles figure is the common',
  'case.',
].join(' ');

/** Analysis that stands on its own, after the missed targets. */
export const SECTIONS: readonly { title: string; text: string }[] = [
  { title: 'Cost per console and per viewer', text: COSTS },
  { title: ENGINE_SECTION, text: ENGINE },
];

const ENGINE_KEYS =
  'Each update to the viewer carries ~20 ms of its measured pace, the echo of the latest input first; what is left ' +
  'is upstream: the console server’s answer in flight (2.6 MB of Raw per answer here) decoded through TLS on two ' +
  `shared cores, before the next answer brings the echo. ${SEE_ENGINE}`;

export const ANALYSIS: Readonly<Record<string, string>> = {
  'console-keystroke.answer-text.p99': ENGINE_KEYS,
  'console-keystroke.answer-noise.p99':
    `${ENGINE_KEYS} Full-colour tiles that do not compress are stored, not deflated. The p50 is under ` +
    'pass-through’s. In the last committed run a few keys per run waited seconds or were never seen: the echo window ' +
    'was the first update after the input and its tiles stayed first until the next key, and on a screen that changes ' +
    'everywhere that is every tile, in the same order each time, so the last tiles (the echo cell’s among them) were ' +
    'starved. The window is now the first two updates (an answer on its way draws the echo in the second) and each ' +
    'tile goes first once per viewer: every key was echoed in every run, but the p99 still follows the run (details), ' +
    'with the gateway at 76–91 % of a core on two cores shared with the server and the viewer; not profiled since.',
  'console-keystroke.push-noise.p99':
    'A server writing without requests fills the buffers between it and the gateway, which reads at its decoding ' +
    'pace: the echo waits behind them, upstream instead of before the browser, while the viewer gets small updates ' +
    'within its budget (details). RFB gives the engine no way to slow such a server, so 50 ms is out of reach by ' +
    `design. ${SEE_ENGINE}`,
  'console-keystroke.idle.p99':
    'Through the engine a key is decoded by the viewer’s RFB session and re-encoded upstream, and its echo decoded ' +
    'into the framebuffer and encoded again for the viewer: a few milliseconds more than bytes relayed, which a ' +
    `busy machine can stretch at the p99. ${SEE_ENGINE}`,
  'viewers.noise.cpu.50':
    'The gateway serves what the viewers take in, and here they take in a lot: in a profile of three 50-viewer runs ' +
    '(`--only shared-viewers --cases noise`, busy 89–91 % of a core) each viewer read 11.5–12 MB/s, ~580 MB/s in ' +
    'all, and the busy time went to `writev` (26–27 %), copying buffers into WebSocket frames (`_copyActual`, ~9.5 %), ' +
    'GC (10–15 %), Tight’s work on full-colour tiles (colour conversion, `stored`, the repeat test: ~17 %, once per ' +
    'tile version for every viewer) and each viewer’s ranking of its stale tiles (`pick` and its sort, ~9 %). So the ' +
    'figure is the cost of the bytes, not of the viewers: with viewers that read faster it rises until the machine is ' +
    'full. What would move it is fewer bytes for such a screen, i.e. Tight JPEG when a viewer asks for a quality ' +
    `level (encoded once per tile version, as now; Node has no JPEG encoder). ${SEE_ENGINE}`,
  'viewers.noise.rss.50':
    'The encoded-tile cache (≤ 32 MiB), 128 KiB of write buffer per viewer and encoded tiles freed faster than they ' +
    `are collected, kept by glibc. ${SEE_ENGINE}`,
  'viewers.text.cpu.50':
    'Socket writes dominated when each tile was its own message (58 % of the busy time); rectangles queued behind a ' +
    `write now leave as one message (not profiled again with 50 viewers). ${SEE_ENGINE}`,
  'viewers.text.rss.50': SEE_ENGINE,
  'first-frame.engine.whole.p50':
    'Through the engine the first screen is decoded, re-encoded tile by tile (192 Tight rectangles where Xvnc sends ' +
    `2) and drawn by noVNC rectangle by rectangle. ${SEE_ENGINE}`,
  'throughput.s2c.bridge.vs.websockify': THROUGHPUT,
  'throughput.s2c.bridge.vs.raw':
    `Raw TCP on loopback is one kernel copy between two sockets; every proxy adds two socket hops, a user-space ` +
    `copy and framing, on the same two cores as the client and the target. ${THROUGHPUT}`,
  'throughput.s2c.gateway.vs.tlsPipe': TLS,
  'throughput.s2c.gateway.vs.rawTls': TLS,
  'throughput.s2c.gateway.vs.websockify': `${TLS} websockify reads plain TCP, not TLS.`,
  'keystroke.flood.p99.bridge': KEYSTROKE,
  'keystroke.flood.p99.gateway': KEYSTROKE,
  'stalled.growth': STALLED,
  'many.resident': MANY,
  'first-frame.whole.p50': FIRST_FRAME,
  'first-frame.window.whole.p50': [
    'A new tab opens the console’s WebSocket from the page’s small entry, before React is fetched, and fetches',
    'noVNC alongside React; the first console bytes are in before noVNC is attached (phase marks in the details).',
    'What limits it is the new renderer’s main thread, on which everything after that runs in turn, cold: module',
    'evaluation (React, the console’s code, noVNC), React’s first render and layout, the RFB handshake’s',
    'handlers (noVNC’s forced layouts at ServerInit, the console chrome re-rendered as it connects), then the first',
    'update’s Tight decode in noVNC code not yet optimised in a fresh process (its mono-rectangle loop and inflate:',
    '270–420 ms in a CPU profile of a loaded run, where the Console tab’s warm page takes a few ms). Chromium’s own',
    'floor for a new tab under the gateway’s headers is {first-frame.floor-secured.p50} (its fresh renderer',
    'process). Removed from the path: noVNC’s startup test decode of an H.264 frame (30–200 ms), React’s hold of',
    'a page revealed after a fallback (up to 300 ms), the keyboard layouts’ tables (built on first use now).',
    'noVNC is attached 300–400 ms sooner, but on a loaded machine the handshake then waits behind React’s work on',
    'the same thread: in alternating new tabs of the two builds (load 9–16) the median whole screen moved only',
    '1,760 → 1,656, 1,511 → 1,391 and 2,335 → 2,266 ms. What would move it: less work on that thread before the',
    'first frame — a first update cheaper to decode cold (another encoding for the first request), the console',
    'chrome rendered after the first frame. The gateway’s console lookup is not on this path (the first bytes are',
    'in before noVNC is attached).',
  ].join(' '),
  'inventory.login': LOGIN,
  'inventory.login.cold': LOGIN,
  'inventory.50k.login': LOGIN,
  'inventory.50k.login.cold': LOGIN,
  'inventory.50k.heap':
    'The page keeps every record of the pool as parsed (the core classes and the device classes), and the 50,000-VM ' +
    'snapshot arrives as one string of ~75 MB that is parsed whole: the string and its parse are alive at once. ' +
    'What would move it: the compact snapshot (tree fields only) described under the login rows.',
  'inventory.search.max': SEARCH,
  'inventory.search.settled.max': SEARCH,
  'inventory.50k.search.max': SEARCH,
  'inventory.50k.search.settled.max': SEARCH,
  'recording.video.seek':
    'A seek reads the recording from the keyframe before the point in 4 MiB ranges with the player’s reader ' +
    '(which stops at the first record past the point from its header) and decodes every update up to it. On a ' +
    'screen redrawn entirely 10 times a second each update is a whole full-colour screen (~2.3 MB) and the ' +
    'recording grows by {recording.video.size}; with a keyframe after each 1 MiB of updates (was 4 MiB: 3–4 whole ' +
    'screens to fetch and decode) a seek fetches and decodes at most a keyframe and one update, at no cost in size ' +
    '(such a keyframe is no larger than the update it replaces; on a text-like screen the 5 s interval comes first: ' +
    '364 and 390 MiB/h with 1 and 4 MiB, 20 s each). Split apart from the bench at load ~10: fetch p95 ~250 ms ' +
    '(25–85 ms per range request through the gateway), decode p95 ~240 ms, seek p95 389 ms (517 ms with 4 MiB). ' +
    'Before, the bench fetched from the keyframe to the end of the file (not what the player does) and decoded with ' +
    'a test display that filled rectangles a pixel at a time (200–500 ms per whole-screen fill); both fixed. What ' +
    'limits it now: decoding two whole full-colour screens (noVNC’s Tight and inflate) and two range requests, all ' +
    'on the machine’s two shared cores, so the p95 follows the load (973 ms at load 22, the typing session’s ' +
    '{recording.typing.seek}). Next: skip the rectangles a later update covers (the keyframe, on this screen), ' +
    'which halves the decode.',
  'inventory.power': POWER,
  'inventory.50k.power': POWER,
};
