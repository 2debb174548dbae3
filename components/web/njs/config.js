// Managed by pulumi-rtc (Pulumi). Do not edit by hand:
// changes are overwritten by the next `pulumi up`.
// An njs 0.7.9 module answering GET /config.js for the click-to-call page:
// the page's settings plus a fresh guest identity whose TURN and SIP credentials follow coturn's TURN REST
// scheme (Kamailio auth_ephemeral takes the same): user "<expires>:<id>", password base64(HMAC-SHA1(secret, user)).
// The settings file is SETTINGS, or the file named by $click_to_call_settings when nginx sets it (js_var).
import fs from 'fs';
import crypto from 'crypto';

const SETTINGS = '/etc/nginx/click-to-call/settings.json';

function credential(secret, user) {
    return crypto.createHmac('sha1', secret).update(user).digest('base64');
}

function configJs(r) {
    let s;
    try {
        s = JSON.parse(fs.readFileSync(r.variables.click_to_call_settings || SETTINGS, 'utf8'));
    } catch (e) {
        r.error('click-to-call: cannot read the settings: ' + e.message);
        return r.return(500);
    }
    const unfilled = (v) => typeof v !== 'string' || v === '' || v.indexOf('@@SECRET:') === 0;
    if (unfilled(s.turnSecret) || unfilled(s.sipGuestSecret)) {
        r.error('click-to-call: the settings lack their secrets');
        return r.return(500);
    }
    // 64 random bits from OpenSSL (WebCrypto; the 'crypto' import above shadows the global name).
    const id = 'guest-' + Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(8))).toString('hex');
    const expires = Math.floor(Date.now() / 1000) + s.lifetimeSeconds;
    const user = expires + ':' + id;
    const config = {
        webSocketUrl: s.webSocketUrl, sipDomain: s.sipDomain, destinations: s.destinations,
        iceTransportPolicy: s.iceTransportPolicy, expires: expires,
        guest: { uri: 'sip:' + id + '@' + s.guestDomain, authorizationUser: user, password: credential(s.sipGuestSecret, user), displayName: s.displayName },
        iceServers: [{ urls: s.turnUris, username: user, credential: credential(s.turnSecret, user) }],
    };
    r.headersOut['Content-Type'] = 'application/javascript; charset=utf-8';
    r.headersOut['Cache-Control'] = 'no-store';
    r.return(200, 'window.CLICK_TO_CALL_CONFIG = ' + JSON.stringify(config) + ';\n');
}

export default { configJs };
