/**
 * Render-tier harness: run the real Debian tools (installed by
 * scripts/install-test-deps.sh) against the files the offline synth writes
 * under OUT/hosts/<host>/<absolute path>.
 *
 * Every check runs in throw-away namespaces created with
 *   unshare --mount --pid --fork --kill-child --mount-proc [--net]
 * so nothing leaks: when the tool (or the harness, on timeout) exits, the
 * pid namespace dies with all its processes, and the mount and network
 * namespaces die with them. Namespaces are anonymous, hence unique per call.
 *
 * Needs root (mount, netns, setuid to the daemon users).
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface Addrs {
  ipv4: string[];
  ipv6: string[];
}

export interface ToolResult {
  ok: boolean;
  /** exit code, or null when killed by a signal (e.g. the timeout) */
  code: number | null;
  /** stdout and stderr interleaved in arrival order */
  output: string;
  /** wall-clock duration */
  ms: number;
}

/** Ownership/mode a real host gives a generated file. Last matching rule wins. */
export interface ModeRule {
  /** matched against the absolute path on the host, e.g. /etc/prosody/certs/x.key */
  match: RegExp;
  owner?: string;
  group?: string;
  /** e.g. 0o640 */
  mode?: number;
}

export interface OverlayOptions {
  /** kill everything after this long (default 60 s) */
  timeoutMs?: number;
  /** appended to DEFAULT_MODE_RULES (later rules win) */
  modes?: ModeRule[];
  /** extra environment for argv */
  env?: Record<string, string>;
  /**
   * Real-system paths to delete inside the overlay before argv runs (e.g. a
   * packaged /etc/prosody/conf.d/localhost.cfg.lua the deployment removes).
   * Must lie under one of `dirs`.
   */
  remove?: string[];
}

/**
 * Modes Debian + our deployment give files. Files default to root:root 0644;
 * directories that exist on the real system keep the real owner/mode
 * (e.g. /etc/prosody/certs root:prosody 0750), new ones get root:root 0755.
 */
export const DEFAULT_MODE_RULES: ModeRule[] = [
  { match: /^\/etc\/kamailio\/.+/, owner: "root", group: "kamailio", mode: 0o640 },
  { match: /^\/etc\/prosody\/.+/, owner: "root", group: "prosody", mode: 0o640 },
  { match: /^\/etc\/turnserver\.conf$/, owner: "root", group: "turnserver", mode: 0o640 },
  { match: /^\/etc\/coturn\/.+/, owner: "root", group: "turnserver", mode: 0o640 },
  { match: /^\/etc\/systemd\/.+/, owner: "root", group: "root", mode: 0o644 },
];

/** argv prefix running argv as a daemon user, like systemd's User=/Group=. */
export function asUser(user: string, argv: string[], group = user, ambientCaps: string[] = []): string[] {
  const caps = ambientCaps.length
    ? [`--inh-caps=${ambientCaps.map((c) => "+" + c).join(",")}`, `--ambient-caps=${ambientCaps.map((c) => "+" + c).join(",")}`]
    : [];
  return ["setpriv", `--reuid=${user}`, `--regid=${group}`, "--init-groups", ...caps, "--", ...argv];
}

/** Throw with the tool's output when a check failed (for readable jest failures). */
export function assertOk<T extends ToolResult>(r: T, what = "check"): T {
  if (!r.ok) throw new Error(`${what} failed (exit ${r.code}):\n${r.output}`);
  return r;
}

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function run(argv: string[], opts: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<ToolResult> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, LC_ALL: "C.UTF-8", ...(opts.env ?? {}) },
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => {
      output += `\n[harness] timeout after ${opts.timeoutMs} ms, killing\n`;
      child.kill("SIGKILL");
    }, opts.timeoutMs ?? 60_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve({ ok: false, code: null, output: output + String(e), ms: Date.now() - t0 });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ ok: code === 0, code, output, ms: Date.now() - t0 });
    });
  });
}

function nearestExisting(p: string): string {
  let cur = p;
  while (!fs.existsSync(cur)) cur = path.dirname(cur);
  return cur;
}

/** Copy hostDir/<target> into stage/<target>, then give it real-host owners/modes. */
function stage(hostDir: string, stageRoot: string, target: string, rules: ModeRule[]): void {
  const src = path.join(hostDir, target);
  const dst = path.join(stageRoot, target);
  fs.mkdirSync(path.dirname(dst), { recursive: true });
  if (fs.existsSync(src)) fs.cpSync(src, dst, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
  else if (!fs.existsSync(target) || fs.statSync(target).isDirectory()) fs.mkdirSync(dst, { recursive: true });

  const ids = (name: string | undefined, kind: "u" | "g"): number | undefined => {
    if (name === undefined) return undefined;
    if (/^\d+$/.test(name)) return Number(name);
    const db = fs.readFileSync(kind === "u" ? "/etc/passwd" : "/etc/group", "utf8");
    const line = db.split("\n").find((l) => l.split(":")[0] === name);
    if (!line) throw new Error(`harness: no ${kind === "u" ? "user" : "group"} ${name} (run scripts/install-test-deps.sh)`);
    return Number(line.split(":")[2]);
  };
  const fix = (abs: string, real: string): void => {
    const st = fs.lstatSync(abs);
    if (st.isSymbolicLink()) return;
    if (st.isDirectory()) {
      let s: fs.Stats | undefined;
      try { s = fs.statSync(real); } catch { s = undefined; }
      if (s?.isDirectory()) { fs.chownSync(abs, s.uid, s.gid); fs.chmodSync(abs, s.mode & 0o7777); }
      else { fs.chownSync(abs, 0, 0); fs.chmodSync(abs, 0o755); }
      for (const e of fs.readdirSync(abs)) fix(path.join(abs, e), path.join(real, e));
      return;
    }
    let owner = "root", group = "root", mode = 0o644;
    for (const r of rules) {
      if (!r.match.test(real)) continue;
      owner = r.owner ?? owner; group = r.group ?? group; mode = r.mode ?? mode;
    }
    fs.chownSync(abs, ids(owner, "u")!, ids(group, "g")!);
    fs.chmodSync(abs, mode);
  };
  // also the staged ancestors between stageRoot and dst (copy real dirs' modes)
  for (let a = path.dirname(target); a !== "/"; a = path.dirname(a)) {
    const s = fs.existsSync(a) ? fs.statSync(a) : undefined;
    const d = path.join(stageRoot, a);
    if (s?.isDirectory()) { fs.chownSync(d, s.uid, s.gid); fs.chmodSync(d, s.mode & 0o7777); } else fs.chmodSync(d, 0o755);
  }
  if (fs.existsSync(dst) || fs.lstatSync(dst, { throwIfNoEntry: false })) fix(dst, target);
}

let seq = 0;

/**
 * Run argv where each path in `dirs` shows hostDir's files laid over the real
 * one (a writable overlayfs whose writes go to a tmpfs and are discarded).
 * A path that is a regular file on the real system (e.g. /etc/turnserver.conf)
 * is bind-mounted instead. A path that does not exist on the real system
 * (e.g. /etc/coturn) is provided by overlaying its nearest existing ancestor.
 * With `netns`, argv runs in a fresh network namespace: lo up plus a veth
 * pair rtc0/rtc0p (both inside, up) carrying the given addresses
 * (IPv4 /32, IPv6 /128 nodad: each address is its own source for local traffic).
 */
export async function withOverlay(
  hostDir: string,
  dirs: string[],
  netns: Addrs | null,
  argv: string[],
  opts: OverlayOptions = {},
): Promise<ToolResult> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `rtc-ovl-${process.pid}-${++seq}-`));
  fs.chmodSync(tmp, 0o755);
  const rules = [...DEFAULT_MODE_RULES, ...(opts.modes ?? [])];
  try {
    const stageRoot = path.join(tmp, "stage");
    fs.mkdirSync(stageRoot, { mode: 0o755 });
    const lines: string[] = ["set -e"];
    if (netns) {
      lines.push(
        "ip link set lo up",
        "ip link add rtc0 type veth peer name rtc0p",
        "ip link set rtc0p up",
        "ip link set rtc0 up",
        ...netns.ipv4.map((a) => `ip addr add ${q(a)}/32 dev rtc0`),
        ...netns.ipv6.map((a) => `ip -6 addr add ${q(a)}/128 dev rtc0 nodad`),
      );
    }
    const rw = path.join(tmp, "rw");
    fs.mkdirSync(rw);
    lines.push(`mount -t tmpfs -o mode=0755 rtc-rw ${q(rw)}`);
    // files: bind mount; dirs: overlay (missing -> nearest existing ancestor)
    const overlays = new Set<string>();
    const binds: string[] = [];
    for (const t of dirs) {
      if (!path.isAbsolute(t)) throw new Error(`withOverlay: ${t} is not absolute`);
      stage(hostDir, stageRoot, t, rules);
      const real = nearestExisting(t);
      if (real === t && !fs.statSync(t).isDirectory()) {
        if (fs.existsSync(path.join(stageRoot, t))) binds.push(t);
      } else overlays.add(real);
    }
    [...overlays]
      .sort((a, b) => a.split("/").length - b.split("/").length)
      .forEach((mp, i) => {
        const lower = path.join(stageRoot, mp);
        const u = path.join(rw, `${i}u`), w = path.join(rw, `${i}w`);
        lines.push(
          `mkdir ${q(u)} ${q(w)}`,
          `chown --reference=${q(lower)} ${q(u)}; chmod --reference=${q(lower)} ${q(u)}`,
          `mount -t overlay rtc-ovl -o ${q(`lowerdir=${lower}:${mp},upperdir=${u},workdir=${w}`)} ${q(mp)}`,
        );
      });
    for (const f of binds) lines.push(`mount --bind ${q(path.join(stageRoot, f))} ${q(f)}`);
    for (const r of opts.remove ?? []) lines.push(`rm -rf -- ${q(r)}`);
    lines.push('exec "$@"');
    const script = path.join(tmp, "enter.sh");
    fs.writeFileSync(script, lines.join("\n") + "\n");
    const ns = ["--mount", "--propagation", "private", "--pid", "--fork", "--kill-child", "--mount-proc"];
    if (netns) ns.push("--net");
    return await run(["unshare", ...ns, "bash", script, ...argv], opts);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- Kamailio

export interface KamailioResult extends ToolResult {
  /** the config after #!ifdef evaluation and imports (kamailio --cfg-print) */
  effectiveConfig: string;
  /** listen= values in effect */
  listen: string[];
  /** loadmodule names in effect, e.g. "db_mysql.so" */
  modules: string[];
}

const KAMAILIO_PROBE_LINE =
  /^\s*(#!(define|trydef|redefine|subst|substdef|substdefs)\b.*|(listen|enable_tls|tls_[a-z_]+|advertised_address|advertised_port|tcp_[a-z_]+|enable_sctp)\s*=.*)$/;

/**
 * kamailio -c only parses the config, loads modules and sets modparams: it
 * does NOT bind listen= addresses nor read tls.cfg / certificates (the tls
 * module does that in child init). So this runs three steps in the netns:
 *  1. kamailio -c -f /etc/kamailio/kamailio.cfg      (syntax, modules, modparams)
 *  2. kamailio --cfg-print                            (effective listen=/modules)
 *  3. a probe config with only the effective listen=/TLS/tcp settings, the
 *     #!defines and the tls modparams, started in the foreground as user
 *     kamailio (as the Debian unit does) until all its sockets listen:
 *     catches unbindable addresses, tls.cfg errors, unreadable keys.
 */
export async function checkKamailio(hostDir: string, addrs: Addrs, opts: OverlayOptions = {}): Promise<KamailioResult> {
  const dirs = ["/etc/kamailio"];
  const t0 = Date.now();
  const cfg = "/etc/kamailio/kamailio.cfg";
  const check = await withOverlay(hostDir, dirs, addrs, ["kamailio", "-c", "-f", cfg], opts);
  const printed = await withOverlay(hostDir, dirs, addrs, ["sh", "-c", `kamailio --cfg-print -f ${cfg} 2>/dev/null`], opts);
  const effectiveConfig = printed.output;
  const cfgLines = effectiveConfig.split("\n");
  const listen = cfgLines.map((l) => /^\s*listen\s*=\s*(\S+)/.exec(l)?.[1]).filter((x): x is string => !!x);
  const modules = cfgLines.map((l) => /^\s*loadmodule\s+"([^"]+)"/.exec(l)?.[1]).filter((x): x is string => !!x);
  const base = { effectiveConfig, listen, modules };
  if (!check.ok || !printed.ok) {
    return { ...base, ok: false, code: check.ok ? printed.code : check.code, output: check.output + printed.output, ms: Date.now() - t0 };
  }
  const tls = modules.some((m) => /^tls(\.so)?$/.test(m));
  const probe = [
    "#!KAMAILIO",
    ...cfgLines.filter((l) => KAMAILIO_PROBE_LINE.test(l)),
    'loadmodule "sl.so"',
    ...(tls ? ['loadmodule "tls.so"', ...cfgLines.filter((l) => /^\s*modparam\(\s*"tls"/.test(l))] : []),
    'request_route { sl_send_reply("503", "render probe"); }',
    "",
  ].join("\n");
  // sockets to wait for: udp/sctp -> ss -lun, tcp/tls -> ss -ltn
  const want = listen.map((l) => {
    const m = /^(?:(udp|tcp|tls|sctp|ws|wss):)?(\[[^\]]+\]|[^:]+)(?::(\d+))?/.exec(l.replace(/\s+advertise.*$/, ""))!;
    const proto = m[1] ?? "udp";
    const port = m[3] ?? (proto === "tls" ? "5061" : "5060");
    return { stream: proto !== "udp" && proto !== "sctp", addr: `${m[2]}:${port}` };
  });
  const waitAll = want
    .map((w) => `ss -H -n ${w.stream ? "-lt" : "-lu"} | awk '{print $4}' | grep -qxF ${q(w.addr)}`)
    .join(" && ") || "true";
  const script = `
cat > /run/rtc-probe.cfg <<'RTC_PROBE_EOF'
${probe}RTC_PROBE_EOF
kamailio -f /run/rtc-probe.cfg -DD -E -u kamailio -g kamailio -m 64 -M 8 -P /run/rtc-probe.pid &
pid=$!
for i in $(seq 300); do
  sleep 0.1
  if ! kill -0 $pid 2>/dev/null; then wait $pid; echo "[harness] kamailio probe exited with $?"; exit 1; fi
  # up = every listen socket bound AND children forked (i.e. the modules'
  # child init, where tls loads tls.cfg and the certificates, succeeded)
  if [ "$(pgrep -c -x kamailio)" -gt 1 ] && ${waitAll}; then
    sleep 0.2
    if ! kill -0 $pid 2>/dev/null; then wait $pid; echo "[harness] kamailio probe exited with $?"; exit 1; fi
    echo "[harness] all listen sockets up"; ss -H -nltu; kill $pid; wait $pid; exit 0
  fi
done
echo "[harness] listen sockets did not come up"; ss -H -nltu; exit 1
`;
  const probeRun = await withOverlay(hostDir, [...dirs, "/run"], addrs, ["bash", "-c", script], opts);
  return {
    ...base,
    ok: probeRun.ok,
    code: probeRun.code,
    output:
      `${check.output}\n[harness] kamailio -c ${check.ms} ms, --cfg-print ${printed.ms} ms, probe ${probeRun.ms} ms\n` +
      `--- probe config ---\n${probe}--- probe run ---\n${probeRun.output}`,
    ms: Date.now() - t0,
  };
}

// ---------------------------------------------------------------- Prosody

/**
 * prosodyctl --config /etc/prosody/prosody.cfg.lua check config|certs in the
 * overlay (conf.d symlinks resolve as on the host; `Include`d files are
 * loaded and syntax-checked). Fails too if any file under /etc/prosody is not
 * readable by user prosody. `check certs` works offline (exit 2 on problems:
 * missing cert for a host, wrong names, expiring within a month).
 */
export async function checkProsody(
  hostDir: string,
  what: "config" | "certs" = "config",
  opts: OverlayOptions = {},
): Promise<ToolResult> {
  // prosodyctl only checks that the main config is readable by user prosody;
  // the daemon (User=prosody) also needs the includes, certs and keys.
  const script = `
rc=0
prosodyctl --config /etc/prosody/prosody.cfg.lua check ${what} || rc=$?
unreadable=$(setpriv --reuid=prosody --regid=prosody --init-groups find -L /etc/prosody ! -readable 2>&1)
if [ -n "$unreadable" ]; then echo "[harness] not readable by user prosody:"; echo "$unreadable"; [ $rc -ne 0 ] || rc=1; fi
exit $rc
`;
  return withOverlay(
    hostDir,
    ["/etc/prosody", "/var/lib/prosody", "/var/log/prosody", "/run"],
    null,
    ["bash", "-c", script],
    opts,
  );
}

// ---------------------------------------------------------------- DNS zone

/** named-checkzone -S fail -i full <origin> <file>; also fails on SRV/MX targets without addresses. */
export async function checkZone(zoneFile: string, origin: string): Promise<ToolResult> {
  const r = await run(["named-checkzone", "-S", "fail", "-i", "full", origin, zoneFile]);
  // -S fail only fails SRV -> CNAME; an SRV/MX target without A/AAAA is just
  // a warning (exit 0) even with -i full, so treat that warning as an error.
  const missing = /has no address records/.test(r.output);
  return { ...r, ok: r.ok && !missing };
}

// ---------------------------------------------------------------- coturn

export interface StunResult extends ToolResult {
  /** IPv4 address (listening-ip) -> reflexive "ip:port" turnutils_stunclient got */
  reflexive: Record<string, string>;
  /** What turnserver listened on, as sorted unique `udp PORT` / `tcp PORT`. */
  listening: string[];
}

/** User/Group/AmbientCapabilities from etc/systemd/system/coturn.service.d/*.conf in hostDir. */
function coturnUnit(hostDir: string): { user: string; group: string; caps: string[] } {
  const unit = { user: "turnserver", group: "turnserver", caps: [] as string[] };
  const d = path.join(hostDir, "etc/systemd/system/coturn.service.d");
  if (!fs.existsSync(d)) return unit;
  for (const f of fs.readdirSync(d).filter((f) => f.endsWith(".conf")).sort()) {
    for (const l of fs.readFileSync(path.join(d, f), "utf8").split("\n")) {
      const m = /^\s*(User|Group|AmbientCapabilities)\s*=\s*(.*?)\s*$/.exec(l);
      if (!m) continue;
      if (m[1] === "User") unit.user = m[2];
      else if (m[1] === "Group") unit.group = m[2];
      else if (m[2] === "") unit.caps = [];
      else unit.caps.push(...m[2].split(/\s+/).map((c) => c.replace(/^cap_/i, "").toLowerCase()));
    }
  }
  return unit;
}

/**
 * Start turnserver like the Debian unit does (User=turnserver,
 * `turnserver -c /etc/turnserver.conf --pidfile=`, plus User/Group/
 * AmbientCapabilities from our drop-ins) in a fresh netns carrying `addrs`,
 * with /etc/turnserver.conf, /etc/coturn, /var/lib/turn (sqlite userdb),
 * /var/log and /run overlaid (writes discarded). Waits until UDP 3478 (or
 * `port`) listens on every IPv4 address, runs turnutils_stunclient against
 * each, then kills turnserver (the pid namespace dies with the call).
 * turnserver's own log is forced to stdout so it shows in `output` (the
 * harness drops `syslog`/`log-file=`/`no-stdout-log` from its private copy).
 */
export async function stunBinding(
  hostDir: string,
  addrs: Addrs,
  opts: OverlayOptions & { port?: number; waitMs?: number } = {},
): Promise<StunResult> {
  const unit = coturnUnit(hostDir);
  const ts = asUser(unit.user, ["turnserver", "-c", "/etc/turnserver.conf", "--pidfile=", "--log-file=stdout", "--simple-log"], unit.group, unit.caps);
  // wait for every listening-ip of the config (or, without any, the netns addresses)
  const confPath = path.join(hostDir, "etc/turnserver.conf");
  const conf = fs.existsSync(confPath) ? fs.readFileSync(confPath, "utf8") : "";
  const lips = [...conf.matchAll(/^\s*listening-ip\s*=\s*(\S+)/gm)].map((m) => m[1]);
  const portLine = /^\s*listening-port\s*=\s*(\d+)/m.exec(conf);
  const port = opts.port ?? (portLine ? Number(portLine[1]) : 3478);
  const waitFor = (lips.length ? lips : [...addrs.ipv4, ...addrs.ipv6]).map((a) => (a.includes(":") ? `[${a}]:${port}` : `${a}:${port}`));
  // with cert/pkey (and no no-tls) also wait for the TLS listeners: coturn
  // only warns and runs without TLS when it cannot read the key
  const tls = /^\s*(cert|pkey)\s*=/m.test(conf) && !/^\s*no-tls\s*$/m.test(conf);
  const tlsLine = /^\s*tls-listening-port\s*=\s*(\d+)/m.exec(conf);
  const tlsPort = tlsLine ? Number(tlsLine[1]) : 5349;
  const hp = (a: string, p: number): string => (a.includes(":") ? `[${a}]:${p}` : `${a}:${p}`);
  const addrsToWait = lips.length ? lips : [...addrs.ipv4, ...addrs.ipv6];
  const checks = [
    ...waitFor.map((a) => `ss -H -nlu | awk '{print $4}' | grep -qxF ${q(a)}`),
    ...(tls ? addrsToWait.map((a) => `ss -H -nlt | awk '{print $4}' | grep -qxF ${q(hp(a, tlsPort))}`) : []),
  ];
  const waitAll = checks.join(" && ") || "true";
  const tries = Math.ceil((opts.waitMs ?? 10_000) / 100);
  const script = `
# harness-only: send turnserver's log to stdout (drop syslog/log-file lines
# from the private copy of /etc/turnserver.conf; no syslogd in the netns)
# (rewritten in place: it is a bind-mounted file, sed -i would rename into /etc)
if [ -f /etc/turnserver.conf ]; then
  conf=$(sed -E '/^[[:space:]]*(syslog|log-file[[:space:]]*=.*|no-stdout-log)[[:space:]]*$/d' /etc/turnserver.conf)
  printf '%s\\n' "$conf" > /etc/turnserver.conf
fi
log=/run/rtc-turnserver.log
${ts.map(q).join(" ")} >$log 2>&1 &
pid=$!
up=
for i in $(seq ${tries}); do
  sleep 0.1
  if ! kill -0 $pid 2>/dev/null; then wait $pid; echo "[harness] turnserver exited with $?"; cat $log; exit 1; fi
  if grep -q 'cannot start TLS' $log; then sleep 0.2; cat $log; echo "[harness] turnserver started without TLS"; exit 1; fi
  if grep -q 'Cannot bind' $log; then sleep 0.3; cat $log | uniq | head -200; echo "[harness] turnserver cannot bind"; ss -H -nlu; exit 1; fi
  if ${waitAll}; then up=1; break; fi
done
if [ -z "$up" ]; then cat $log | uniq | head -200; echo "[harness] turnserver did not listen on all of: ${waitFor.join(" ")}"; ss -H -nlu; exit 1; fi
rc=0
echo "[listening]"; ss -H -nlut | awk '{print $1, $5}' | sort -u; echo "[/listening]"
${addrs.ipv4.map((a) => `echo "[stun ${a}]"; timeout 5 turnutils_stunclient -p ${port} ${q(a)} 2>&1 || rc=1`).join("\n")}
kill $pid; wait $pid
echo "[harness] turnserver log:"; cat $log
exit $rc
`;
  const r = await withOverlay(
    hostDir,
    ["/etc/turnserver.conf", "/etc/coturn", "/var/lib/turn", "/var/log", "/run"],
    addrs,
    ["bash", "-c", script],
    opts,
  );
  const reflexive: Record<string, string> = {};
  for (const block of r.output.split(/^\[stun /m).slice(1)) {
    const a = block.slice(0, block.indexOf("]"));
    const m = /UDP reflexive addr:\s*(\S+)/.exec(block);
    if (m) reflexive[a] = m[1];
  }
  const ok = r.ok && addrs.ipv4.every((a) => reflexive[a]);
  const sockets = /\[listening\]\n([\s\S]*?)\[\/listening\]/.exec(r.output)?.[1] ?? "";
  const listening = [...new Set(sockets.trim().split("\n").filter(Boolean).map((l) => { const [proto, local] = l.split(" "); return `${proto} ${local.slice(local.lastIndexOf(":") + 1)}`; }))].sort();
  return { ...r, ok, reflexive, listening };
}
