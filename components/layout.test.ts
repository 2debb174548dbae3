import { planLayout } from "./layout";

describe("layouts", () => {
    it("standard puts TURN on every address and SIP/XMPP on the first", () => {
        expect(planLayout("standard", ["198.51.100.19", "198.51.100.20"])).toEqual({
            turn: { ipv4: ["198.51.100.19", "198.51.100.20"] },
            sip: { ipv4: ["198.51.100.19"] },
            xmpp: { ipv4: ["198.51.100.19"] },
        });
    });

    it("port443 gives each service its own address and 443", () => {
        expect(planLayout("port443", ["198.51.100.19", "198.51.100.20", "198.51.100.21"])).toEqual({
            turn: { ipv4: ["198.51.100.19"], tlsPort: 443 },
            sip: { ipv4: ["198.51.100.20"], tls443Address: "198.51.100.20" },
            xmpp: { ipv4: ["198.51.100.21"], directTls443Address: "198.51.100.21" },
        });
    });

    it("port443 says how many addresses it needs", () => {
        expect(() => planLayout("port443", ["198.51.100.19", "198.51.100.19"])).toThrow(/planLayout: ipv4 with layout "port443" needs 3 distinct public IPv4 addresses .* but has 1\. Fix: /);
        expect(planLayout("port443", ["198.51.100.19"], ["xmpp"])).toEqual({ xmpp: { ipv4: ["198.51.100.19"], directTls443Address: "198.51.100.19" } });
    });
});
