import { ServiceKind } from "../../components/layout";
import { ServiceEntry } from "./service";
import { sip } from "./sip";
import { turn } from "./turn";
import { web } from "./web";
import { xmpp } from "./xmpp";

// The services the stack stands up, by kind, in the order they are made (a later one may use an earlier one).

export const services: Readonly<Record<ServiceKind, ServiceEntry>> = { turn, sip, xmpp, web };
