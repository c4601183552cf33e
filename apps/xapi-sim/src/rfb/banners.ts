/** What a text console shows before the login prompt: deterministic, so screens can be compared pixel for pixel. */

export function guestBootLog(title: string, hostname: string): string {
  return [
    `Booting '${title}'`,
    '',
    'Loading Linux 6.1.0-18-amd64 ...',
    'Loading initial ramdisk ...',
    '[    0.000000] Linux version 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian',
    '[    0.000000] Command line: root=/dev/xvda1 ro console=hvc0 quiet',
    '[    0.000000] Booting paravirtualized kernel on Xen',
    '[    0.412031] xen_netfront: Initialising Xen virtual ethernet driver',
    '[    0.524917] blkfront: xvda: flush diskcache: enabled; persistent grants: on',
    '[    1.208334] EXT4-fs (xvda1): mounted filesystem with ordered data mode',
    `[    1.733120] systemd[1]: Set hostname to <${hostname}>.`,
    '[  OK  ] Started Journal Service.',
    '[  OK  ] Finished Load Kernel Modules.',
    '[  OK  ] Reached target Network.',
    '[  OK  ] Started OpenBSD Secure Shell server.',
    '[  OK  ] Started Xen guest agent.',
    '',
    `Debian GNU/Linux 12 ${hostname} hvc0`,
    '',
    '',
  ].join('\n');
}

export function hostBanner(title: string, hostname: string): string {
  return [
    'XCP-ng release 8.3.0 (xenenterprise)',
    'Kernel 4.19.0+1 on an x86_64',
    '',
    `  ${title}`,
    `  Hostname: ${hostname}`,
    '',
    '  Management interface: eth0',
    '  Use "xsconsole" for the configuration menu.',
    '',
    '',
  ].join('\n');
}
