//! A seeded generator of realistic Dockerfiles for benchmarks.
//!
//! Deterministic: the same seed gives the same corpus on every machine. The
//! mix follows what real repositories hold: single- and multi-stage builds,
//! package installs over continuation lines, heredocs, ENV and ARG blocks,
//! COPY/ADD, exec-form entrypoints, and some of the mistakes the rules look
//! for.

/// SplitMix64: tiny, fast, good enough to vary a corpus.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const BASES: &[&str] = &[
    "debian:12-slim",
    "ubuntu:24.04",
    "alpine:3.20",
    "python:3.12-slim",
    "node:22-bookworm",
    "golang:1.22",
    "nginx:1.27",
    "eclipse-temurin:21-jre",
    "node",
    "python:latest",
];
const PACKAGES: &[&str] = &[
    "ca-certificates",
    "curl",
    "git",
    "tzdata",
    "libpq5",
    "gcc",
    "make",
    "openssl",
    "jq",
    "unzip",
];

/// One Dockerfile, number `i` of the corpus.
pub fn dockerfile(rng: &mut Rng, i: usize) -> String {
    let mut out = String::with_capacity(2048);
    out.push_str("# syntax=docker/dockerfile:1\n");
    out.push_str(&format!(
        "# service {i}\nARG VERSION=1.{}.{}\n",
        rng.below(20),
        rng.below(10)
    ));
    let stages = 1 + rng.below(3);
    for s in 0..stages {
        let base = rng.pick(BASES);
        let last = s + 1 == stages;
        if last && stages > 1 && rng.chance(50) {
            out.push_str("FROM gcr.io/distroless/base-debian12:nonroot@sha256:8dd8d3ca2cf283383304fd45a5c9c74d5f2cd9da8d3b077d720e264880077c65\n");
        } else {
            out.push_str(&format!("FROM {base} AS stage{s}\n"));
        }
        out.push_str("WORKDIR /app\n");
        let pkgs: Vec<&str> = (0..2 + rng.below(5)).map(|_| rng.pick(PACKAGES)).collect();
        if base.starts_with("alpine") {
            out.push_str(&format!("RUN apk add --no-cache {}\n", pkgs.join(" ")));
        } else if rng.chance(80) {
            out.push_str(
                "RUN apt-get update \\\n    && apt-get install -y --no-install-recommends \\\n",
            );
            for p in &pkgs {
                out.push_str(&format!("       {p} \\\n"));
            }
            out.push_str("    && rm -rf /var/lib/apt/lists/*\n");
        } else {
            out.push_str("RUN apt-get update\n");
        }
        out.push_str(&format!(
            "ENV APP_ENV=production \\\n    APP_PORT={} \\\n    LOG_LEVEL=info\n",
            8000 + rng.below(1000)
        ));
        if rng.chance(10) {
            out.push_str("ENV DB_PASSWORD=changeme\n");
        }
        if rng.chance(10) {
            out.push_str("RUN curl -fsSL https://get.example.com/install.sh | sh\n");
        }
        out.push_str("COPY requirements.txt package.json ./\n");
        if rng.chance(30) {
            out.push_str("RUN <<EOF\nset -eux\npip install --no-cache-dir -r requirements.txt\npython -m compileall /app\nEOF\n");
        }
        if rng.chance(15) {
            out.push_str("ADD https://example.com/asset.tar.gz /opt/\n");
        }
        out.push_str("COPY . .\n");
        if rng.chance(60) {
            out.push_str("RUN useradd --uid 10001 --no-create-home app\nUSER 10001\n");
        }
        if last {
            if rng.chance(50) {
                out.push_str("HEALTHCHECK --interval=30s CMD [\"/app/healthcheck\"]\n");
            }
            out.push_str(&format!("EXPOSE {}\n", 8000 + rng.below(1000)));
            out.push_str("ENTRYPOINT [\"/app/server\", \"--config\", \"/etc/app/config.yaml\"]\n");
        }
    }
    out
}

/// `n` Dockerfiles from `seed`.
pub fn dockerfiles(seed: u64, n: usize) -> Vec<String> {
    let mut rng = Rng::new(seed);
    (0..n).map(|i| dockerfile(&mut rng, i)).collect()
}

const IMAGES: &[&str] = &[
    "nginx:1.27",
    "postgres:16",
    "redis:7.2",
    "registry.example.com/api:2.3.1",
    "registry.example.com/worker@sha256:8dd8d3ca2cf283383304fd45a5c9c74d5f2cd9da8d3b077d720e264880077c65",
    "grafana/grafana:11.1.0",
    "traefik:v3.1",
    "busybox",
];

/// One Compose file, number `i` of the corpus: 2–5 services with ports in
/// both syntaxes, environment in both forms, bind and named volumes, limits
/// on some, an `x-` anchor merged into others, and some of the mistakes the
/// rules look for.
pub fn compose(rng: &mut Rng, i: usize) -> String {
    let mut out = String::with_capacity(2048);
    out.push_str(&format!(
        "# stack {i}\nx-defaults: &defaults\n  restart: unless-stopped\n  logging:\n    driver: json-file\n    options:\n      max-size: 10m\nservices:\n"
    ));
    let services = 2 + rng.below(4);
    for s in 0..services {
        out.push_str(&format!("  svc{s}:\n"));
        if rng.chance(60) {
            out.push_str("    <<: *defaults\n");
        }
        out.push_str(&format!("    image: {}\n", rng.pick(IMAGES)));
        if rng.chance(70) {
            out.push_str("    ports:\n");
            match rng.below(3) {
                0 => out.push_str(&format!("      - \"{}:80\"\n", 8000 + rng.below(1000))),
                1 => out.push_str(&format!(
                    "      - \"127.0.0.1:{}:{}\"\n",
                    9000 + rng.below(100),
                    9000 + rng.below(100)
                )),
                _ => out.push_str(&format!(
                    "      - target: 80\n        published: \"{}\"\n        host_ip: 0.0.0.0\n",
                    80 + rng.below(2) * 363
                )),
            }
        }
        if rng.chance(50) {
            out.push_str("    environment:\n      - LOG_LEVEL=info\n      - DB_HOST=db\n");
            if rng.chance(20) {
                out.push_str("      - DB_PASSWORD=changeme-please\n");
            }
        } else {
            out.push_str("    environment:\n      APP_ENV: production\n      DB_PASSWORD_FILE: /run/secrets/db\n");
        }
        if rng.chance(50) {
            out.push_str("    volumes:\n      - ./config:/etc/app:ro\n      - data:/var/lib/app\n");
            if rng.chance(5) {
                out.push_str("      - /var/run/docker.sock:/var/run/docker.sock\n");
            }
        }
        if rng.chance(40) {
            out.push_str("    read_only: true\n    cap_drop: [ALL]\n    security_opt:\n      - no-new-privileges:true\n");
        }
        if rng.chance(5) {
            out.push_str("    privileged: true\n");
        }
        if rng.chance(50) {
            out.push_str("    deploy:\n      resources:\n        limits:\n          cpus: \"0.50\"\n          memory: 256M\n");
        }
        if rng.chance(50) {
            out.push_str(
                "    healthcheck:\n      test: [\"CMD\", \"/healthcheck\"]\n      interval: 30s\n",
            );
        }
    }
    out.push_str("volumes:\n  data: {}\n");
    out
}

/// `n` Compose files from `seed`.
pub fn compose_files(seed: u64, n: usize) -> Vec<String> {
    let mut rng = Rng::new(seed);
    (0..n).map(|i| compose(&mut rng, i)).collect()
}

const WORKLOADS: &[(&str, &str)] = &[
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "DaemonSet"),
    ("batch/v1", "Job"),
    ("batch/v1", "CronJob"),
    ("v1", "Pod"),
];

/// One workload object, number `i`, as a YAML document: a pod template
/// with one or two containers and an init container now and then, hardened
/// in part.
pub fn workload(rng: &mut Rng, i: usize) -> String {
    let (api, kind) = WORKLOADS[rng.below(WORKLOADS.len())];
    let mut pod = String::with_capacity(1024);
    if rng.chance(50) {
        pod.push_str(
            "securityContext:\n  runAsNonRoot: true\n  seccompProfile:\n    type: RuntimeDefault\n",
        );
    }
    if rng.chance(3) {
        pod.push_str("hostNetwork: true\n");
    }
    pod.push_str("containers:\n");
    for c in 0..1 + rng.below(2) {
        pod.push_str(&format!(
            "- name: c{c}\n  image: {}\n  ports:\n  - containerPort: {}\n",
            rng.pick(IMAGES),
            8000 + rng.below(100)
        ));
        pod.push_str("  env:\n  - name: LOG_LEVEL\n    value: info\n  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef:\n        name: db\n        key: password\n");
        if rng.chance(5) {
            pod.push_str("  - name: API_TOKEN\n    value: literal-token-value\n");
        }
        if rng.chance(60) {
            pod.push_str("  securityContext:\n    allowPrivilegeEscalation: false\n    readOnlyRootFilesystem: true\n    capabilities:\n      drop: [ALL]\n");
        } else if rng.chance(5) {
            pod.push_str("  securityContext:\n    privileged: true\n");
        }
        if rng.chance(70) {
            pod.push_str("  resources:\n    limits:\n      cpu: 500m\n      memory: 256Mi\n");
        }
        pod.push_str("  volumeMounts:\n  - name: tmp\n    mountPath: /tmp\n");
    }
    if rng.chance(20) {
        pod.push_str("initContainers:\n- name: init\n  image: busybox:1.36\n  command: [sh, -c, 'until nslookup db; do sleep 1; done']\n");
    }
    pod.push_str("volumes:\n- name: tmp\n  emptyDir: {}\n");
    if rng.chance(5) {
        pod.push_str("- name: host\n  hostPath:\n    path: /var/log\n");
    }
    let indent = |text: &str, n: usize| -> String {
        text.lines()
            .map(|l| format!("{}{l}\n", " ".repeat(n)))
            .collect()
    };
    let meta = format!(
        "apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: app-{i}\n  labels:\n    app: app-{i}\n"
    );
    let template = |n: usize| {
        format!(
            "{}{}",
            indent(
                &format!("metadata:\n  labels:\n    app: app-{i}\nspec:\n"),
                n
            ),
            indent(&pod, n + 2)
        )
    };
    match kind {
        "Pod" => format!("{meta}spec:\n{}", indent(&pod, 2)),
        "CronJob" => format!(
            "{meta}spec:\n  schedule: \"*/15 * * * *\"\n  jobTemplate:\n    spec:\n      template:\n{}",
            template(8)
        ),
        _ => format!(
            "{meta}spec:\n  selector:\n    matchLabels:\n      app: app-{i}\n  template:\n{}",
            template(4)
        ),
    }
}

/// `objects` workload objects from `seed`, in multi-document files of
/// `per_file` objects each.
pub fn manifests(seed: u64, objects: usize, per_file: usize) -> Vec<String> {
    let mut rng = Rng::new(seed);
    (0..objects)
        .collect::<Vec<_>>()
        .chunks(per_file)
        .map(|chunk| {
            chunk
                .iter()
                .map(|&i| format!("---\n{}", workload(&mut rng, i)))
                .collect()
        })
        .collect()
}
