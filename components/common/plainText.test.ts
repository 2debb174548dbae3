import { renderZone } from "../dns/zone";
import { renderTurnserverConf } from "../turn/render";
import { refuseControlCharacters } from "./plainText";

describe("renderers refuse control characters, whatever checked the values before", () => {
    it.each([["newline", "a\nb"], ["carriage return", "a\rb"], ["NUL", "a\u0000b"], ["DEL", "a\u007fb"], ["line separator", "a\u2028b"]])("%s", (_what, bad) => {
        expect(() => refuseControlCharacters("r", { list: ["ok", { deep: bad }] })).toThrow("r: input.list[1].deep holds a newline or control character");
    });

    it("lets plain values through, quotes and non-ASCII letters included", () => {
        expect(() => refuseControlCharacters("r", { a: "it's \"fine\" $(x) `y`; ok", b: ["münchen.example", 5, true, null] })).not.toThrow();
    });

    it("turnserver.conf: a realm with a newline cannot add a line", () => {
        const config = { realm: "falcot.com\nallow-loopback-peers", serverName: "turn-server.falcot.com", addresses: [{ public: "198.51.100.19", private: "198.51.100.19" }],
            port: 3478, userDb: { kind: "sqlite" as const, path: "/var/lib/turn/turndb" }, staticAuthSecret: false, relayPorts: { min: 49152, max: 65535 }, deniedPeerRanges: [] };
        expect(() => renderTurnserverConf(config)).toThrow(/renderTurnserverConf: input.realm holds a newline/);
    });

    it("the zone: a record name with a newline cannot add a record", () => {
        expect(() => renderZone({ domain: "falcot.com", records: [{ type: "A", name: "www.falcot.com\n@ IN NS evil.example.", address: "198.51.100.19" }],
            nameServers: [{ name: "ns1.falcot.com", ipv4: ["198.51.100.19"] }] } as never)).toThrow(/renderZone: input.records\[0\].name holds a newline/);
    });
});
