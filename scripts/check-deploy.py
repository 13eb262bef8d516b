#!/usr/bin/env python3
"""Checks the deployment files against the binary they deploy.

1. Every Kustomize overlay renders (`kubectl kustomize`) and passes `kubernetes-validate`
   in strict mode.
2. The rendered manifests keep the contract: every container runs a real `windrow`
   subcommand with flags it accepts (`windrow ROLE --help`), every WINDROW_* variable names a
   flag of some role, container ports match the flags or the binary's defaults, probes hit
   /healthz and /readyz on the status port, and every role with a volume claim mounts it at
   its data directory.
3. The Dockerfile's runtime stage installs the Debian package of every shared library that
   `ldd` of the release binary names (libraries of the Swift toolchain are linked statically
   in the image, with --static-swift-stdlib).
"""
import os, re, shutil, subprocess, sys
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, ".build", "release", "windrow")
failures = []
passed = 0


def fail(message):
    failures.append(message)
    print("FAIL:", message)


def ok(message):
    global passed
    passed += 1
    print("ok:", message)


def help_of(role):
    return subprocess.run([BIN, role, "--help"], capture_output=True, text=True).stdout


def flags_of(role):
    return set(re.findall(r"--([a-z0-9-]+)", help_of(role)))


def default_of(role, flag):
    text = help_of(role)
    match = re.search(r"--" + re.escape(flag) + r" <[^>]+>[^\n]*(?:\n(?!  --)[^\n]*)*?\(default: ([^)]+)\)", text)
    return match.group(1) if match else None


def render(overlay):
    result = subprocess.run(["kubectl", "kustomize", os.path.join(ROOT, "k8s", "overlays", overlay)], capture_output=True, text=True)
    if result.returncode != 0:
        fail(f"kubectl kustomize {overlay}: {result.stderr.strip()}")
        return []
    path = f"/tmp/windrow-{overlay}.yaml"
    with open(path, "w") as out:
        out.write(result.stdout)
    validate = subprocess.run(["kubernetes-validate", "--strict", "-k", "1.32.0", path], capture_output=True, text=True)
    if validate.returncode != 0:
        fail(f"kubernetes-validate {overlay}: {validate.stdout.strip()} {validate.stderr.strip()}")
    else:
        ok(f"overlay {overlay} renders and validates (Kubernetes 1.32, strict)")
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def check_contract(documents, overlay):
    roles = {"coordinator", "mapper", "reducer", "front", "local", "produce", "query", "inspect", "drain", "scale"}
    all_flags = {role: flags_of(role) for role in roles}
    config = {}
    secrets = {}
    for doc in documents:
        if doc["kind"] == "ConfigMap":
            config.update(doc.get("data", {}))
        if doc["kind"] == "Secret":
            secrets[doc["metadata"]["name"]] = {**doc.get("data", {}), **doc.get("stringData", {})}
    for key in config:
        flag = key[len("WINDROW_"):].lower().replace("_", "-")
        if not any(flag in flags for flags in all_flags.values()):
            fail(f"{overlay}: ConfigMap {key} names no flag of any role")
    for doc in documents:
        if doc["kind"] not in ("Deployment", "StatefulSet"):
            continue
        spec = doc["spec"]["template"]["spec"]
        claims = {c["metadata"]["name"] for c in doc["spec"].get("volumeClaimTemplates", [])}
        for container in spec["containers"]:
            args = container.get("args", [])
            role = args[0] if args else None
            name = f"{overlay}/{doc['metadata']['name']}"
            if role not in roles:
                fail(f"{name}: first argument {role!r} is not a windrow subcommand")
                continue
            for flag in re.findall(r"^--([a-z0-9-]+)$", " ".join(args).replace(" ", "\n"), re.M):
                if flag not in all_flags[role]:
                    fail(f"{name}: `windrow {role}` does not accept --{flag}")
            # A preStop hook that runs windrow (the reducers' drain) must name a subcommand and its flags.
            hook = container.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
            if hook[:1] == ["windrow"]:
                if len(hook) < 2 or hook[1] not in roles:
                    fail(f"{name}: preStop runs `windrow {hook[1:2]}`, not a subcommand")
                else:
                    for flag in re.findall(r"^--([a-z0-9-]+)$", "\n".join(hook[2:]), re.M):
                        if flag not in all_flags[hook[1]]:
                            fail(f"{name}: preStop `windrow {hook[1]}` does not accept --{flag}")
                    hook_env = {e["name"] for e in container.get("env", [])} | set(config)
                    if hook[1] == "drain" and not {"WINDROW_ID", "WINDROW_COORDINATOR"} <= hook_env:
                        fail(f"{name}: preStop drain needs WINDROW_ID and WINDROW_COORDINATOR in the container's environment")
            env = {e["name"]: e.get("value") for e in container.get("env", [])}
            for entry in container.get("env", []):
                ref = entry.get("valueFrom", {}).get("secretKeyRef")
                if ref and ref["key"] not in secrets.get(ref["name"], {}):
                    fail(f"{name}: {entry['name']} reads key {ref['key']!r} that Secret {ref['name']!r} does not hold")
            for key in env:
                flag = key[len("WINDROW_"):].lower().replace("_", "-")
                if key.startswith("WINDROW_") and flag not in all_flags[role]:
                    fail(f"{name}: {key} is no flag of `windrow {role}`")

            def setting(flag):
                if f"--{flag}" in args:
                    return args[args.index(f"--{flag}") + 1]
                key = "WINDROW_" + flag.upper().replace("-", "_")
                return env.get(key) or config.get(key) or default_of(role, flag)

            ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
            http_port = int(setting("http-port"))
            endpoint_flags = {"coordinator": ["listen"], "mapper": ["ingest", "acked"], "reducer": ["partials", "query"]}.get(role, [])
            expected = {http_port} | {int(setting(f).rsplit(":", 1)[1]) for f in endpoint_flags}
            if role == "front" and int(setting("otlp-port") or 0) > 0:
                expected.add(int(setting("otlp-port")))
            if set(ports.values()) != expected:
                fail(f"{name}: container ports {sorted(ports.values())} differ from the binary's {sorted(expected)}")
            for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
                get = container.get(probe, {}).get("httpGet", {})
                port = ports.get(get.get("port"), get.get("port"))
                if get.get("path") != path or port != http_port:
                    fail(f"{name}: {probe} should GET {path} on {http_port}; has {get}")
            if claims:
                data_dir = setting("data-dir")
                mounts = {m["name"]: m["mountPath"] for m in container.get("volumeMounts", [])}
                for claim in claims:
                    if mounts.get(claim) != data_dir:
                        fail(f"{name}: volume claim {claim} is mounted at {mounts.get(claim)}; the data directory is {data_dir}")
    if not failures:
        ok(f"overlay {overlay} keeps the contract of `windrow --help`")


def check_image_libraries():
    with open(os.path.join(ROOT, "deploy", "Dockerfile")) as dockerfile:
        runtime = dockerfile.read().split("FROM debian:bookworm-slim", 1)[1]
    line = re.search(r"apt-get install[^\n]*--no-install-recommends ([^\\\n&]+)", runtime).group(1)
    packages = line.split()
    # What apt installs: the listed packages and everything they depend on, plus the base
    # image's essential packages.
    closure = subprocess.run(["apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests", "--no-conflicts",
                              "--no-breaks", "--no-replaces", "--no-enhances", "--no-pre-depends", *packages],
                             capture_output=True, text=True).stdout
    installed = set(packages) | {l.strip() for l in closure.splitlines() if not l.startswith(" ")}
    installed |= {l.split()[-1] for l in closure.splitlines() if "Depends:" in l and "<" not in l}
    essential = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Essential} ${Priority}\n"], capture_output=True, text=True).stdout
    installed |= {l.split()[0] for l in essential.splitlines() if " yes " in l + " " or l.endswith("required")}
    toolchain = os.path.realpath(os.path.join(os.path.dirname(shutil.which("swift") or "/"), ".."))
    for line in subprocess.run(["ldd", BIN], capture_output=True, text=True).stdout.splitlines():
        match = re.search(r"=> (\S+)", line)
        if not match:
            continue
        path = os.path.realpath(match.group(1))
        if path.startswith(toolchain):
            continue
        owner = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True).stdout.split(":")[0]
        if not owner:
            owner = subprocess.run(["dpkg", "-S", match.group(1)], capture_output=True, text=True).stdout.split(":")[0]
        if owner in ("libc6", ""):
            continue
        if owner not in installed:
            fail(f"Dockerfile runtime stage lacks {owner} (for {path})")
    if not any("Dockerfile" in f for f in failures):
        ok("the Dockerfile's runtime stage installs every library the binary links")


if __name__ == "__main__":
    if shutil.which("kubectl") is None:
        print("skip: kubectl is not installed; manifests not rendered")
    else:
        for overlay in ("dev", "prod"):
            check_contract(render(overlay), overlay)
    check_image_libraries()
    print(f"{passed} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)
