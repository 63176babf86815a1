#!/usr/bin/python3
# The lab's fake Sumo Logic collector (installed by the fake installer as
# /opt/SumoCollector/collector, run by the systemd unit `collector`).
# Like the real one: registers with the access id/key of user.properties,
# then deletes `accesskey` from it (collector 19.182-17+) unless
# skipAccessKeyRemoval=true; watches the syncSources JSON (a file or a folder
# of .json files) and ships the new lines of each LocalFile source to the
# receiver with the source's category. It logs only events, never the key.
import base64, glob, json, os, socket, sys, time, urllib.error, urllib.request

BASE = "@@FAKE_SUMO_URL@@"
VERSION = "@@FAKE_VERSION@@"
DIR = os.path.dirname(os.path.abspath(__file__))
PROPS = os.path.join(DIR, "config", "user.properties")
CREDS = os.path.join(DIR, "config", "creds", "main.properties")
RESULT = os.path.join(DIR, "config", ".installerResult")
LOG = os.path.join(DIR, "logs", "collector.log")


def log(message):
    with open(LOG, "a") as f:
        f.write("%s %s\n" % (time.strftime("%Y-%m-%d %H:%M:%S"), message))


def read_props():
    props = {}
    try:
        with open(PROPS) as f:
            for line in f:
                line = line.rstrip("\n")
                if "=" in line and not line.startswith("#"):
                    key, value = line.split("=", 1)
                    props[key.strip()] = value.strip()
    except FileNotFoundError:
        pass
    return props


def write_private(path, text):
    old = os.umask(0o077)
    try:
        with open(path + ".tmp", "w") as f:
            f.write(text)
        os.replace(path + ".tmp", path)
    finally:
        os.umask(old)


def post(path, body, headers=None):
    request = urllib.request.Request(BASE + path, data=body, headers=headers or {}, method="POST")
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read() or b"{}")


def remove_access_key():
    with open(PROPS) as f:
        kept = [l for l in f if not l.startswith("accesskey=")]
    mode = os.stat(PROPS).st_mode & 0o777
    write_private(PROPS, "".join(kept))
    os.chmod(PROPS, mode)


def register(props):
    name = props.get("name") or socket.gethostname()
    auth = base64.b64encode(("%s:%s" % (props.get("accessid", ""), props.get("accesskey", ""))).encode()).decode()
    body = json.dumps({"name": name, "version": VERSION}).encode()
    try:
        answer = post("/fake/register", body, {"Authorization": "Basic " + auth, "Content-Type": "application/json"})
    except urllib.error.HTTPError as e:
        reason = "access id/key refused by Sumo Logic (HTTP %d)" % e.code if e.code == 401 else "HTTP %d" % e.code
        log("ERROR Registration failed: %s" % reason)
        log("Notifying installer of registration result: RegistrationResult(false, %s)" % reason)
        write_private(RESULT, json.dumps({"success": False, "error": reason}) + "\n")
        return None
    except OSError as e:
        log("WARN Cannot reach Sumo Logic at %s: %s" % (BASE, e))
        return None
    write_private(CREDS, "id=%s\ncode=%s\n" % (answer["id"], answer["code"]))
    if props.get("skipAccessKeyRemoval") != "true":
        remove_access_key()
    log("Notifying installer of registration result: RegistrationResult(true, collector %s id %s)" % (name, answer["id"]))
    write_private(RESULT, json.dumps({"success": True}) + "\n")
    return answer["code"]


def read_sources(path, previous):
    files = sorted(glob.glob(os.path.join(path, "*.json"))) if os.path.isdir(path) else [path]
    sources = []
    try:
        for name in files:
            with open(name) as f:
                sources += json.load(f).get("sources", [])
    except (OSError, ValueError) as e:
        message = "ERROR Cannot read the sources in %s (keeping the previous ones): %s" % (path, e)
        # Logged once per distinct problem: the log stays quiet while nothing changes.
        if message != getattr(read_sources, "last_error", None):
            log(message)
        read_sources.last_error = message
        return previous
    read_sources.last_error = None
    return sources


class Tail:
    """New complete lines of the files of one source; a file present at the first look is read from its end."""

    def __init__(self):
        self.offsets = {}
        self.first = True

    def lines(self, pattern):
        out = []
        for name in sorted(glob.glob(pattern)):
            try:
                st = os.stat(name)
                known = self.offsets.get(name)
                if known is None or known[0] != st.st_ino or known[1] > st.st_size:
                    known = (st.st_ino, st.st_size if self.first else 0)
                with open(name, "rb") as f:
                    f.seek(known[1])
                    data = f.read()
                end = data.rfind(b"\n") + 1
                self.offsets[name] = (st.st_ino, known[1] + end)
                out += data[:end].decode("utf-8", "replace").splitlines()
            except OSError:
                continue
        self.first = False
        return out


def ship(code, source, lines):
    headers = {
        "X-Sumo-Category": source.get("category", ""),
        "X-Sumo-Host": source.get("hostName") or socket.gethostname(),
        "X-Sumo-Name": source.get("name", ""),
        "Content-Type": "text/plain",
    }
    post("/receiver/v1/http/" + code, "\n".join(lines).encode(), headers)


def main():
    log("Sumo Logic collector %s (lab fake) starting" % VERSION)
    code = None
    sources = []
    tails = {}
    beat = 0
    while True:
        props = read_props()
        if code is None and os.path.exists(CREDS):
            code = dict(l.strip().split("=", 1) for l in open(CREDS) if "=" in l).get("code")
        if code is None:
            code = register(props)
            if code is None:
                time.sleep(10)
                continue
        if time.time() - beat > 10:
            try:
                post("/fake/heartbeat/" + code, b"")
            except urllib.error.HTTPError as e:
                if e.code == 404:
                    log("WARN Sumo Logic does not know this collector any more: registering again")
                    os.remove(CREDS)
                    code = None
                    continue
            except OSError:
                pass
            beat = time.time()
        if props.get("syncSources"):
            sources = read_sources(props["syncSources"], sources)
        for source in sources:
            if source.get("sourceType", "LocalFile") != "LocalFile" or not source.get("pathExpression"):
                continue
            key = (source.get("name"), source["pathExpression"])
            tail = tails.setdefault(key, Tail())
            lines = tail.lines(source["pathExpression"])
            if lines:
                try:
                    ship(code, source, lines)
                except OSError as e:
                    log("WARN Cannot send %d lines of %s: %s" % (len(lines), source.get("name"), e))
        time.sleep(1)


if __name__ == "__main__":
    if sys.argv[1:] != ["console"]:
        sys.exit("usage: collector console")
    main()
