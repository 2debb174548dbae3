/**
 * Tests of the render-tier harness itself: every check passes on a good
 * sample and fails (with the tool's own message) on a broken one.
 * Needs root and scripts/install-test-deps.sh.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  Addrs,
  ToolResult,
  checkKamailio,
  checkProsody,
  checkZone,
  stunBinding,
  withOverlay,
} from "./debian-tools";
import { FIXTURES, makeFixtureHost } from "./fixture-host";

jest.setTimeout(60_000);

const SIP: Addrs = { ipv4: ["198.51.100.19"], ipv6: ["2001:db8::19"] };
const TURN: Addrs = { ipv4: ["198.51.100.20", "198.51.100.21"], ipv6: [] };

const timings: string[] = [];
const timed = <T extends ToolResult>(name: string, r: T): T => {
  timings.push(`${name}: ${r.ms} ms (${r.ok ? "ok" : "fail"})`);
  return r;
};
afterAll(() => console.log(`harness timings\n  ${timings.join("\n  ")}`));

let host: string;
beforeEach(() => {
  host = makeFixtureHost();
});
afterEach(() => fs.rmSync(path.dirname(host), { recursive: true, force: true }));

const edit = (rel: string, f: (s: string) => string): void => {
  const p = path.join(host, rel);
  fs.writeFileSync(p, f(fs.readFileSync(p, "utf8")));
};

describe("withOverlay", () => {
  it("lays host files over the real dir, in a private netns, and leaves the host untouched", async () => {
    const r = await withOverlay(host, ["/etc/kamailio", "/etc/coturn"], SIP, [
      "sh", "-c",
      "ls /etc/kamailio; stat -c '%U:%G %a %n' /etc/kamailio/tls/sip-proxy.falcot.com.key /etc/coturn/tls/turn-server.falcot.com.key; " +
        "touch /etc/kamailio/scratch; ip -br addr show rtc0",
    ]);
    expect(r.output).toContain("kamailio.cfg"); // from the package
    expect(r.output).toContain("kamailio-local.cfg"); // from hostDir
    expect(r.output).toContain("root:kamailio 640 /etc/kamailio/tls/sip-proxy.falcot.com.key");
    expect(r.output).toContain("root:turnserver 640 /etc/coturn/tls/turn-server.falcot.com.key");
    expect(r.output).toMatch(/198\.51\.100\.19\/32 2001:db8::19\/128/);
    expect(r.ok).toBe(true);
    expect(fs.existsSync("/etc/kamailio/kamailio-local.cfg")).toBe(false);
    expect(fs.existsSync("/etc/kamailio/scratch")).toBe(false);
    expect(fs.existsSync("/etc/coturn")).toBe(false);
  });

  it("runs in parallel with distinct namespaces", async () => {
    const rs = await Promise.all(
      [1, 2, 3].map((i) => withOverlay(host, ["/etc/kamailio"], { ipv4: [`198.51.100.${i}`], ipv6: [] }, ["ip", "-br", "-4", "addr"])),
    );
    rs.forEach((r, i) => {
      expect(r.ok).toBe(true);
      expect(r.output).toContain(`198.51.100.${i + 1}/32`);
      expect(r.output).not.toContain(`198.51.100.${((i + 1) % 3) + 1}/32`);
    });
  });
});

describe("checkKamailio", () => {
  it("passes on the sample, with the kamailio-local.cfg defines in effect", async () => {
    const r = timed("checkKamailio good", await checkKamailio(host, SIP));
    if (!r.ok) throw new Error(r.output);
    expect(r.listen).toEqual([
      "udp:198.51.100.19:5060",
      "tcp:198.51.100.19:5060",
      "tls:198.51.100.19:5061",
      "udp:[2001:db8::19]:5060",
    ]);
    // WITH_MYSQL, WITH_AUTH, WITH_TLS, WITH_ANTIFLOOD loaded their modules
    expect(r.modules).toEqual(expect.arrayContaining(["db_mysql.so", "auth.so", "auth_db.so", "tls.so", "htable.so", "pike.so"]));
    // WITH_USRLOCDB: usrloc writes to the database given by our DBURL
    expect(r.effectiveConfig).toContain('modparam("usrloc", "db_mode", 2)');
    expect(r.effectiveConfig).toContain('#!define DBURL "mysql://kamailio:@@SECRET:x@@@localhost/kamailio"');
    expect(r.output).toContain("[harness] all listen sockets up");
  });

  it("fails on a syntax error", async () => {
    edit("etc/kamailio/kamailio-local.cfg", (s) => s + 'modparam("usrloc", "no_such_param", 1)\n');
    const r = timed("checkKamailio syntax error", await checkKamailio(host, SIP));
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/parse error in config file \/etc\/kamailio\/kamailio-local.cfg/);
  });

  it("fails when a listen address is not in the netns (kamailio -c alone would pass)", async () => {
    const r = timed("checkKamailio missing address", await checkKamailio(host, { ipv4: ["198.51.100.19"], ipv6: [] }));
    expect(r.ok).toBe(false);
    expect(r.output).toContain("config file ok"); // -c does not bind
    expect(r.output).toMatch(/2001:db8::19.*Cannot assign requested address/);
  });

  it("fails on tls.cfg errors because WITH_TLS is in effect", async () => {
    edit("etc/kamailio/tls.cfg", (s) => s.replace("sip-proxy.falcot.com.key", "missing.key"));
    const r = timed("checkKamailio tls.cfg error", await checkKamailio(host, SIP));
    expect(r.ok).toBe(false);
    expect(r.output).toContain("Unable to load private key file '/etc/kamailio/tls/missing.key'");
  });

  it("fails when the key is not readable by user kamailio", async () => {
    const r = await checkKamailio(host, SIP, { modes: [{ match: /\.key$/, group: "root", mode: 0o600 }] });
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/Permission denied/);
  });

  it("without WITH_TLS, tls.cfg is not read at all", async () => {
    edit("etc/kamailio/kamailio-local.cfg", (s) => s.replace("#!define WITH_TLS\n", "").replace(/^listen=tls:.*\n/m, ""));
    edit("etc/kamailio/tls.cfg", () => "this is not a tls.cfg [[[\n");
    const r = await checkKamailio(host, SIP);
    if (!r.ok) throw new Error(r.output);
    expect(r.modules).not.toContain("tls.so");
  });
});

describe("checkProsody", () => {
  it("passes on the sample and loads the conf.d include", async () => {
    const r = timed("checkProsody config good", await checkProsody(host));
    if (!r.ok) throw new Error(r.output);
    expect(r.output).toContain("/etc/prosody/conf.d/falcot.com.cfg.lua");
    expect(r.output).toContain("All checks passed");
  });

  it("fails on a syntax error in an include", async () => {
    edit("etc/prosody/conf.avail/falcot.com.cfg.lua", (s) => s + "  broken = {\n");
    const r = timed("checkProsody syntax error", await checkProsody(host));
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/Error: \/etc\/prosody\/conf.d\/falcot.com.cfg.lua:\d+:/);
  });

  it("fails when user prosody cannot read the config or a key", async () => {
    let r = await checkProsody(host, "config", { modes: [{ match: /prosody\.cfg\.lua$/, group: "root", mode: 0o600 }] });
    expect(r.ok).toBe(false);
    expect(r.output).toContain("not readable by the 'prosody' user");
    r = await checkProsody(host, "config", { modes: [{ match: /\.key$/, group: "root", mode: 0o600 }] });
    expect(r.ok).toBe(false);
    expect(r.output).toContain("/etc/prosody/certs/falcot.com.key");
  });

  it("check certs runs offline against generated certs", async () => {
    const good = timed(
      "checkProsody certs good",
      await checkProsody(host, "certs", { remove: ["/etc/prosody/conf.d/localhost.cfg.lua"] }),
    );
    if (!good.ok) throw new Error(good.output);
    // the packaged localhost vhost has no certificate
    const bad = timed("checkProsody certs bad", await checkProsody(host, "certs"));
    expect(bad.ok).toBe(false);
    expect(bad.output).toContain("No 'certificate' found for localhost");
  });
});

describe("checkZone", () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "rtc-zone-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const zone = (f: (s: string) => string): string => {
    const p = path.join(dir, "falcot.com.zone");
    fs.writeFileSync(p, f(fs.readFileSync(path.join(FIXTURES, "falcot.com.zone"), "utf8")));
    return p;
  };

  it("passes on the sample", async () => {
    const r = timed("checkZone good", await checkZone(zone((s) => s), "falcot.com"));
    if (!r.ok) throw new Error(r.output);
  });

  it("fails on an SRV pointing at a CNAME", async () => {
    const p = zone((s) => s.replace(/^xmpp .*$/m, "xmpp IN CNAME sip-proxy.falcot.com."));
    const r = timed("checkZone SRV->CNAME", await checkZone(p, "falcot.com"));
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/SRV.*CNAME/i);
  });

  it("fails on an SRV target without an address", async () => {
    const p = zone((s) => s.replace(/^turn-server .*$/gm, ""));
    const r = await checkZone(p, "falcot.com");
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/turn-server\.falcot\.com.*has no address records/);
  });
});

describe("stunBinding", () => {
  it("gets a reflexive address from every listening-ip", async () => {
    const r = timed("stunBinding good", await stunBinding(host, TURN));
    if (!r.ok) throw new Error(r.output);
    expect(Object.keys(r.reflexive).sort()).toEqual(TURN.ipv4);
    for (const a of TURN.ipv4) expect(r.reflexive[a]).toMatch(new RegExp(`^${a.replace(/\./g, "\\.")}:\\d+$`));
    expect(r.output).toContain("Default realm: falcot.com");
  });

  it("fails when turnserver cannot bind a listening-ip", async () => {
    const r = timed("stunBinding cannot bind", await stunBinding(host, { ipv4: ["198.51.100.20"], ipv6: [] }, { waitMs: 3000 }));
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/198\.51\.100\.21/);
  });

  it("fails when its key is unreadable by user turnserver", async () => {
    // coturn itself only warns and runs without TLS; the harness fails it
    const r = await stunBinding(host, TURN, { modes: [{ match: /\.key$/, group: "root", mode: 0o600 }] });
    expect(r.ok).toBe(false);
    expect(r.output).toContain("cannot find private key file: /etc/coturn/tls/turn-server.falcot.com.key");
  });
});

describe("fixtures", () => {
  it("the synth-style host dir has the files the checks use", () => {
    for (const f of ["etc/turnserver.conf", "etc/kamailio/kamailio-local.cfg", "etc/prosody/conf.d/falcot.com.cfg.lua"]) {
      expect(fs.existsSync(path.join(host, f))).toBe(true);
    }
  });
});
