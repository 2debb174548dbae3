import { addressesNeeded, planLayout } from "./layout";

describe("layouts", () => {
    it("standard puts TURN on every address and SIP/XMPP on the first", () => {
        expect(planLayout("standard", 2)).toEqual({
            turn: { ipv4: [0, 1] },
            sip: { ipv4: [0] },
            xmpp: { ipv4: [0] },
            web: { ipv4: [0] },
        });
    });

    it("port443 gives each service its own address and 443, by position", () => {
        expect(planLayout("port443", 4)).toEqual({
            turn: { ipv4: [0], tlsPort: 443 },
            sip: { ipv4: [1], tls443: 1 },
            xmpp: { ipv4: [2], directTls443: 2 },
            web: { ipv4: [3] },
        });
        expect(planLayout("port443", 3, ["turn", "sip", "xmpp"]).web).toBeUndefined();
    });

    it("port443 says how many addresses it needs", () => {
        expect(() => planLayout("port443", 1)).toThrow(/planLayout: ipv4 with layout "port443" needs 4 public IPv4 addresses \(one each for TURN, SIP, XMPP, the web page on port 443\) but has 1\. Fix: /);
        expect(planLayout("port443", 1, ["xmpp"])).toEqual({ xmpp: { ipv4: [0], directTls443: 0 } });
    });

    it("counts the addresses a cloud host must get", () => {
        expect([addressesNeeded("standard", ["turn", "sip", "xmpp"]), addressesNeeded("standard", ["sip"]),
            addressesNeeded("port443", ["turn", "sip", "xmpp"]), addressesNeeded("port443", ["xmpp"]), addressesNeeded("port443", []), addressesNeeded("port443", ["turn", "sip", "xmpp", "web"])]).toEqual([2, 1, 3, 1, 1, 4]);
    });
});
