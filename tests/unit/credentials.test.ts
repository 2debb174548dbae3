import { SipProxy, sipCredential } from "../../components/sip/sipProxy";
import { TurnServer, turnCredential } from "../../components/turn/turnServer";
import { recordResources, seedHost, strongPassword } from "./helpers";

// The users steps of TURN and SIP get digests made by the program: the host hashes nothing per user and never
// sees those passwords.

const { registered, settle } = recordResources();

describe("users' credentials", () => {
    it("are the digests coturn and Kamailio keep (RFC 2617's HA1 example)", () => {
        expect(sipCredential("testrealm@host.com")("user", "Mufasa", "Circle Of Life").split(":")[0]).toBe("939e7578ed9e3c518a452acee763bce9");
        expect(turnCredential("testrealm@host.com")("user", "Mufasa", "Circle Of Life")).toBe("939e7578ed9e3c518a452acee763bce9");
        // An admin's password goes as it is (base64): coturn's admin hash is salted on the host.
        expect(turnCredential("r")("admin", "admin", strongPassword)).toBe(Buffer.from(strongPassword).toString("base64"));
    });

    it("reach the TURN and SIP users steps without the password, in any encoding", async () => {
        const host = seedHost();
        new TurnServer("turn", { host, users: [{ name: "roland", password: strongPassword }] });
        new SipProxy("sip", { host, users: [{ name: "roland", password: strongPassword }] });
        await settle();
        const stdinOf = async (name: string) => {
            const step = registered.find((r) => r.name === name);
            expect(step).toBeDefined();
            const stdin = step!.inputs.stdin as string | { value: string };
            return typeof stdin === "string" ? stdin : stdin.value; // a secret, as the mocks see it
        };
        const turn = await stdinOf("turn-users");
        const sip = await stdinOf("sip-users");
        for (const stdin of [turn, sip]) {
            expect(stdin).not.toContain(strongPassword);
            expect(stdin).not.toContain(Buffer.from(strongPassword).toString("base64"));
        }
        expect(turn).toMatch(/^user roland [0-9a-f]{32}\n$/);
        expect(sip).toMatch(/^user roland [0-9a-f]{32}:[0-9a-f]{32}\n$/);
    });
});
