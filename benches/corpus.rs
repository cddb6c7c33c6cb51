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
