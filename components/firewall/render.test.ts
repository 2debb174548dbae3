import { spawnSync } from "child_process";
import { port } from "../common/ports";
import { openedPorts, renderFirewall } from "./render";
import { firewallApplyScript, firewallConfirmScript, firewallRemoveScript, firewallUnconfirmScript, renderFirewallUnit } from "./scripts";

const typical = [
    port("udp", 3478, "TURN"), port("tcp", 3478, "TURN"), port("tcp", 5349, "TURN over TLS"),
    { protocol: "udp" as const, from: 49152, to: 65535, purpose: "TURN relay" },
    port("udp", 5060, "SIP"), port("tcp", 5060, "SIP"), port("tcp", 5061, "SIP over TLS"),
    port("tcp", 5222, "XMPP clients"), port("tcp", 5269, "XMPP servers"),
];

/** The rules that accept new traffic to a port, as `protocol ports`. */
const acceptedPorts = (text: string) => [...text.matchAll(/^\t\t(tcp|udp) dport (\S+) accept comment "[^"]*"$/gm)].map((m) => `${m[1]} ${m[2]}`);

describe("firewall ruleset", () => {
    it("renders a typical port list, and is stable", () => {
        expect(renderFirewall(typical)).toMatchSnapshot();
        expect(renderFirewall([...typical].reverse())).toBe(renderFirewall(typical));
    });

    it("starts with the managed header and replaces only its own table", () => {
        const text = renderFirewall(typical);
        expect(text.startsWith("# Managed by pulumi-rtc")).toBe(true);
        expect(text).toContain("\ntable inet pulumi_rtc\ndelete table inet pulumi_rtc\n\ntable inet pulumi_rtc {\n");
        expect(text).not.toMatch(/flush ruleset|hook (forward|output)/);
        expect(text).toContain("type filter hook input priority filter; policy drop;");
    });

    it("always opens SSH, once", () => {
        expect(acceptedPorts(renderFirewall([]))).toEqual(["tcp 22"]);
        expect(acceptedPorts(renderFirewall([port("tcp", 22, "SSH"), port("udp", 53, "DNS")]))).toEqual(["tcp 22", "udp 53"]);
        expect(openedPorts([])).toEqual([port("tcp", 22, "SSH")]);
    });

    it("renders ranges as ranges", () => {
        expect(renderFirewall(typical)).toContain('\t\tudp dport 49152-65535 accept comment "TURN relay"\n');
    });

    it("accepts nothing but the given ports, SSH, and the fixed rules", () => {
        const text = renderFirewall(typical);
        expect(acceptedPorts(text).sort()).toEqual(["tcp 22", "tcp 3478", "tcp 5060", "tcp 5061", "tcp 5222", "tcp 5269", "tcp 5349",
            "udp 3478", "udp 49152-65535", "udp 5060"].sort());
        const accepts = text.split("\n").filter((l) => /\baccept\b/.test(l)).map((l) => l.trim().replace(/ accept comment .*$/, ""));
        expect(accepts.filter((l) => !/^(tcp|udp) dport /.test(l))).toEqual([
            "iif lo", "ct state established,related", "meta l4proto icmp", "meta l4proto ipv6-icmp", "udp sport 67 udp dport 68", "udp sport 547 udp dport 546",
        ]);
        for (const l of text.split("\n").filter((x) => /\baccept\b/.test(x))) expect(l).toMatch(/ accept comment "[^"]+"$/);
    });

    it("refuses what is not a port range, and keeps a comment a comment", () => {
        expect(() => renderFirewall([{ protocol: "tcp", from: 10, to: 5, purpose: "x" }])).toThrow(/not a tcp or udp port range/);
        expect(() => renderFirewall([port("tcp", 80, "web\nudp dport 1-65535 accept")])).toThrow(/control character/);
        expect(renderFirewall([port("tcp", 80, 'web "quoted" \\')])).toContain('tcp dport 80 accept comment "web quoted "');
    });
});

describe("firewall scripts", () => {
    it("parse as POSIX shell", () => {
        for (const script of [firewallApplyScript(60), firewallConfirmScript(), firewallRemoveScript(), firewallUnconfirmScript()]) {
            const r = spawnSync("sh", ["-n"], { input: script, encoding: "utf8" });
            expect({ code: r.status, err: r.stderr }).toEqual({ code: 0, err: "" });
        }
    });

    it("check before loading, and arm a revert with systemd or setsid", () => {
        const apply = firewallApplyScript(45);
        expect(apply.indexOf('nft -c -f "$next"')).toBeLessThan(apply.indexOf('nft -f "$next"'));
        expect(apply).toContain('systemd-run --quiet --unit="$revert_unit" --on-active=45');
        expect(apply).toContain("setsid /bin/sh -c");
        expect(() => firewallApplyScript(0)).toThrow(/revertAfterSeconds/);
    });

    it("boot unit loads the confirmed ruleset before the network", () => {
        expect(renderFirewallUnit()).toMatch(/^DefaultDependencies=no$[\s\S]*^Before=network-pre\.target[\s\S]*^ExecStart=\/usr\/sbin\/nft -f \/etc\/pulumi-rtc\/firewall\.nft$[\s\S]*^WantedBy=sysinit\.target$/m);
    });
});
