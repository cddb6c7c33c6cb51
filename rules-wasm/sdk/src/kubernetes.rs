//! A typed view of Kubernetes objects and the pod spec they carry.
//!
//! [`Object::pod`] finds the pod template whatever the workload kind (Pod,
//! Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob's job
//! template, ReplicationController, PodTemplate), so a pod rule is written
//! once. Objects of other kinds, CRDs included, have no pod: no pod rule
//! applies to them, whatever their content mentions.
//!
//! [`Container::effective`] combines container and pod `securityContext`
//! the way the kubelet does: the fields a container may inherit
//! (`runAsUser`, `runAsGroup`, `runAsNonRoot`, `seLinuxOptions`,
//! `seccompProfile`, `appArmorProfile`, `windowsOptions`) come from the pod
//! when the container does not set them; the others are the container's
//! own.
//!
//! With the feature `k8s-openapi`, [`Pod::typed_spec`] also gives the pod
//! spec as k8s-openapi's `PodSpec`.

use crate::json::Json;

/// One Kubernetes object.
#[derive(Debug, Clone)]
pub struct Object<'a> {
    /// The whole object.
    pub root: Json<'a>,
    /// `apiVersion`.
    pub api_version: &'a str,
    /// `kind`.
    pub kind: &'a str,
    /// The Pod Security Standards policy version the host asks for
    /// (`pss_version` in the settings); [`PssVersion::LATEST`] by default.
    pub pss_version: PssVersion,
    /// Where its pod and containers are, when the document found them
    /// once for every rule.
    found: Option<&'a Found>,
}

/// Where a document's pod and containers are in its tree: found once per
/// document ([`crate::Document::kubernetes`]) and shared by every rule of
/// the pack, which would otherwise each look them up again.
#[derive(Debug)]
pub(crate) struct Found {
    api_version: u32,
    kind: u32,
    pss_version: PssVersion,
    pod: Option<FoundPod>,
}

#[derive(Debug)]
struct FoundPod {
    spec: u32,
    metadata: Option<u32>,
    containers: Vec<FoundContainer>,
}

#[derive(Debug)]
struct FoundContainer {
    at: u32,
    group: ContainerGroup,
    /// The name's value, when it is a string.
    name_at: Option<u32>,
}

impl Found {
    /// The views of the object at `root`, if it is one.
    pub(crate) fn new(root: Json<'_>, settings: &serde_json::Value) -> Option<Found> {
        let object = Object::new(root)?;
        let index = |field: &str| root.get(field).map(|v| v.index());
        Some(Found {
            api_version: index("apiVersion")?,
            kind: index("kind")?,
            pss_version: PssVersion::from_settings(settings),
            pod: object.pod().map(|pod| FoundPod {
                spec: pod.spec.index(),
                metadata: pod.metadata.map(|m| m.index()),
                containers: pod
                    .containers()
                    .into_iter()
                    .map(|c| FoundContainer {
                        at: c.at.index(),
                        group: c.group,
                        name_at: c
                            .at
                            .get("name")
                            .filter(|n| n.as_str().is_some())
                            .map(|n| n.index()),
                    })
                    .collect(),
            }),
        })
    }

    /// The object at `root` (the root it was found in) with these views.
    pub(crate) fn object<'a>(&'a self, root: Json<'a>) -> Object<'a> {
        Object {
            root,
            api_version: root.at_index(self.api_version).as_str().unwrap_or(""),
            kind: root.at_index(self.kind).as_str().unwrap_or(""),
            pss_version: self.pss_version,
            found: Some(self),
        }
    }
}

/// A version of the Pod Security Standards policy, as Kubernetes versions
/// it (`pod-security.kubernetes.io/enforce-version: v1.25`): a check that
/// changed in some Kubernetes minor version asks [`PssVersion::at_least`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PssVersion {
    /// The Kubernetes minor version (`25` for `v1.25`); `u32::MAX` is
    /// `latest`.
    pub minor: u32,
}

impl PssVersion {
    /// `latest`: the newest policy, whatever its number.
    pub const LATEST: PssVersion = PssVersion { minor: u32::MAX };

    /// Parses `latest` or `v1.N` (Kubernetes' label syntax); anything else
    /// is `None`.
    pub fn parse(text: &str) -> Option<PssVersion> {
        if text == "latest" {
            return Some(PssVersion::LATEST);
        }
        let minor = text.strip_prefix("v1.")?;
        if minor.is_empty() || !minor.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        minor.parse().ok().map(|minor| PssVersion { minor })
    }

    /// The version the host's settings name (`{"pss_version": "v1.25"}`);
    /// latest when absent or not a version.
    pub fn from_settings(settings: &serde_json::Value) -> PssVersion {
        settings
            .get("pss_version")
            .and_then(serde_json::Value::as_str)
            .and_then(PssVersion::parse)
            .unwrap_or(PssVersion::LATEST)
    }

    /// Returns true if and only if this policy version is Kubernetes
    /// `v1.minor` or newer: a check introduced or changed in `v1.minor`
    /// applies.
    pub fn at_least(self, minor: u32) -> bool {
        self.minor >= minor
    }
}

impl std::fmt::Display for PssVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if *self == PssVersion::LATEST {
            f.write_str("latest")
        } else {
            write!(f, "v1.{}", self.minor)
        }
    }
}

/// The pod spec of a workload, with the metadata of its template.
#[derive(Debug, Clone)]
pub struct Pod<'a> {
    /// The `PodSpec`.
    pub spec: Json<'a>,
    /// The metadata of the pod (template), when present.
    pub metadata: Option<Json<'a>>,
    /// Where its containers are, when found once for the document.
    containers: Option<&'a [FoundContainer]>,
}

#[cfg(feature = "k8s-openapi")]
impl Pod<'_> {
    /// The pod spec typed with k8s-openapi's `PodSpec` (feature
    /// `k8s-openapi`), for rules that prefer the upstream types. Findings
    /// are still reported through the JSON view, which knows the pointers:
    /// `pod.spec.pointer_to("hostNetwork")`.
    ///
    /// # Errors
    ///
    /// When the spec does not match the Kubernetes schema (a wrong type).
    pub fn typed_spec(&self) -> Result<k8s_openapi::api::core::v1::PodSpec, serde_json::Error> {
        serde_json::from_value(self.spec.to_value())
    }
}

/// Which list of the pod spec a container is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerGroup {
    /// `containers`.
    Containers,
    /// `initContainers`.
    InitContainers,
    /// `ephemeralContainers`.
    EphemeralContainers,
}

impl ContainerGroup {
    /// The field name.
    pub fn field(self) -> &'static str {
        match self {
            ContainerGroup::Containers => "containers",
            ContainerGroup::InitContainers => "initContainers",
            ContainerGroup::EphemeralContainers => "ephemeralContainers",
        }
    }

    /// How messages name a container of this group.
    pub fn noun(self) -> &'static str {
        match self {
            ContainerGroup::Containers => "container",
            ContainerGroup::InitContainers => "init container",
            ContainerGroup::EphemeralContainers => "ephemeral container",
        }
    }
}

/// One container of a pod.
#[derive(Debug, Clone)]
pub struct Container<'a> {
    /// Its definition.
    pub at: Json<'a>,
    /// Its list.
    pub group: ContainerGroup,
    /// Its name (empty when missing).
    pub name: &'a str,
}

/// What [`Container::require`] found.
#[derive(Debug, Clone)]
pub enum Requirement<'a> {
    /// The field has the wanted value.
    Met,
    /// The field is set to something else: the field.
    Wrong(Json<'a>),
    /// The field is not set: the container.
    Missing(Json<'a>),
}

/// `securityContext` fields a container inherits from the pod.
const INHERITED: [&str; 7] = [
    "runAsUser",
    "runAsGroup",
    "runAsNonRoot",
    "seLinuxOptions",
    "seccompProfile",
    "appArmorProfile",
    "windowsOptions",
];

impl<'a> Object<'a> {
    /// Views `root` as a Kubernetes object, if it has `apiVersion` and `kind`.
    /// The policy version is [`PssVersion::LATEST`]; set `pss_version` to
    /// judge at another.
    pub fn new(root: Json<'a>) -> Option<Object<'a>> {
        let api_version = root.get("apiVersion")?.as_str()?;
        let kind = root.get("kind")?.as_str()?;
        Some(Object {
            root,
            api_version,
            kind,
            pss_version: PssVersion::LATEST,
            found: None,
        })
    }

    /// `metadata.name`, if given.
    pub fn name(&self) -> Option<&'a str> {
        self.root.at(&["metadata", "name"])?.as_str()
    }

    /// The API group of `apiVersion` (`""` for the core group).
    pub fn group(&self) -> &'a str {
        self.api_version
            .rsplit_once('/')
            .map_or("", |(group, _)| group)
    }

    /// Calls `f` with the pod and each of its containers (containers, init
    /// containers, ephemeral containers), for objects that run a pod.
    pub fn each_container(&self, mut f: impl FnMut(&Pod<'a>, &Container<'a>)) {
        if let Some(pod) = self.pod() {
            for c in pod.containers() {
                f(&pod, &c);
            }
        }
    }

    /// The pod this object runs, for the built-in workload kinds.
    pub fn pod(&self) -> Option<Pod<'a>> {
        if let Some(found) = self.found {
            let pod = found.pod.as_ref()?;
            return Some(Pod {
                spec: self.root.at_index(pod.spec),
                metadata: pod.metadata.map(|m| self.root.at_index(m)),
                containers: Some(&pod.containers),
            });
        }
        let group = self.group();
        let path: &[&str] = match (group, self.kind) {
            ("", "Pod") => &[],
            ("", "PodTemplate") => &["template"],
            ("", "ReplicationController")
            | ("apps" | "extensions", "Deployment" | "ReplicaSet" | "DaemonSet")
            | ("apps", "StatefulSet")
            | ("batch", "Job") => &["spec", "template"],
            ("batch", "CronJob") => &["spec", "jobTemplate", "spec", "template"],
            _ => return None,
        };
        let template = self.root.at(path)?;
        let spec = template.get("spec")?;
        spec.is_object().then(|| Pod {
            metadata: template.get("metadata"),
            spec,
            containers: None,
        })
    }
}

impl<'a> Pod<'a> {
    /// The pod-level `securityContext`.
    pub fn security_context(&self) -> Option<Json<'a>> {
        self.spec.get("securityContext")
    }

    /// Every container: `containers`, then `initContainers`, then
    /// `ephemeralContainers`.
    pub fn containers(&self) -> Vec<Container<'a>> {
        if let Some(found) = self.containers {
            return found
                .iter()
                .map(|c| Container {
                    at: self.spec.at_index(c.at),
                    group: c.group,
                    name: c
                        .name_at
                        .and_then(|n| self.spec.at_index(n).as_str())
                        .unwrap_or(""),
                })
                .collect();
        }
        [
            ContainerGroup::Containers,
            ContainerGroup::InitContainers,
            ContainerGroup::EphemeralContainers,
        ]
        .into_iter()
        .flat_map(|group| {
            self.spec
                .get(group.field())
                .map(|list| list.items())
                .unwrap_or_default()
                .into_iter()
                .map(move |at| Container {
                    name: at.get("name").and_then(|n| n.as_str()).unwrap_or(""),
                    at,
                    group,
                })
        })
        .collect()
    }

    /// `spec.volumes`.
    pub fn volumes(&self) -> Vec<Json<'a>> {
        self.spec
            .get("volumes")
            .map(|v| v.items())
            .unwrap_or_default()
    }

    /// Returns true if and only if `spec.os.name` is `windows` (some
    /// restricted controls do not apply to Windows pods).
    pub fn is_windows(&self) -> bool {
        self.spec
            .at(&["os", "name"])
            .and_then(|n| n.as_str())
            .is_some_and(|n| n.eq_ignore_ascii_case("windows"))
    }

    /// The pod annotations.
    pub fn annotations(&self) -> Vec<(&'a str, Json<'a>)> {
        self.metadata
            .as_ref()
            .and_then(|m| m.get("annotations"))
            .map(|a| a.entries())
            .unwrap_or_default()
    }
}

impl<'a> Container<'a> {
    /// The container's own `securityContext`.
    pub fn security_context(&self) -> Option<Json<'a>> {
        self.at.get("securityContext")
    }

    /// The container's own `securityContext` field `key`.
    pub fn own(&self, key: &str) -> Option<Json<'a>> {
        self.security_context()?.get(key)
    }

    /// The effective `securityContext` field `key`: the container's, or for
    /// inherited fields the pod's when the container does not set it.
    pub fn effective(&self, pod: &Pod<'a>, key: &str) -> Option<Json<'a>> {
        let own = self.own(key).filter(|v| !v.is_null());
        if own.is_some() || !INHERITED.contains(&key) {
            return own;
        }
        pod.security_context()?.get(key).filter(|v| !v.is_null())
    }

    /// Whether the container's own boolean `securityContext` field `key` is
    /// `want`; if not, what to point at.
    pub fn require(&self, key: &str, want: bool) -> Requirement<'a> {
        match self.own(key).filter(|v| !v.is_null()) {
            Some(v) if v.truthy() == Some(want) => Requirement::Met,
            Some(v) => Requirement::Wrong(v),
            None => Requirement::Missing(self.at),
        }
    }

    /// `None` when the container drops `ALL` capabilities; otherwise where
    /// to point: its `capabilities.drop` list, or the container.
    pub fn missing_drop_all(&self) -> Option<Json<'a>> {
        if self.capabilities("drop").iter().any(|(d, _)| d == "ALL") {
            return None;
        }
        Some(
            self.own("capabilities")
                .and_then(|cap| cap.get("drop"))
                .unwrap_or(self.at),
        )
    }

    /// How messages name the container: ``container `web` ``.
    pub fn label(&self) -> String {
        if self.name.is_empty() {
            format!("unnamed {}", self.group.noun())
        } else {
            format!("{} `{}`", self.group.noun(), self.name)
        }
    }

    /// Added and dropped capabilities, upper-cased without `CAP_`.
    pub fn capabilities(&self, which: &str) -> Vec<(String, Json<'a>)> {
        self.own("capabilities")
            .and_then(|c| c.get(which))
            .map(|l| l.items())
            .unwrap_or_default()
            .into_iter()
            .filter_map(|i| i.as_str().map(|s| (normalise_capability(s), i)))
            .collect()
    }
}

/// `cap_net_admin`, `CAP_NET_ADMIN` and `NET_ADMIN` are the same capability.
pub fn normalise_capability(name: &str) -> String {
    let upper = name.trim().to_ascii_uppercase();
    upper
        .strip_prefix("CAP_")
        .map_or(upper.clone(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::Tree;
    use serde_json::{Value, json};

    #[test]
    fn policy_versions_parse_as_kubernetes_writes_them() {
        assert_eq!(PssVersion::parse("latest"), Some(PssVersion::LATEST));
        assert_eq!(PssVersion::parse("v1.25"), Some(PssVersion { minor: 25 }));
        for bad in ["1.25", "v1.", "v1.x", "v2.1", "v1.-1", ""] {
            assert_eq!(PssVersion::parse(bad), None, "{bad}");
        }
        assert_eq!(
            PssVersion::parse("v1.7").map(|v| v.to_string()).as_deref(),
            Some("v1.7")
        );
        assert_eq!(PssVersion::LATEST.to_string(), "latest");
        let v = PssVersion::from_settings(&json!({"pss_version": "v1.19"}));
        assert!(v.at_least(19) && !v.at_least(20));
        assert_eq!(PssVersion::from_settings(&json!({})), PssVersion::LATEST);
        assert!(PssVersion::LATEST.at_least(999));
    }

    /// The views a document finds once are the ones a rule would find.
    #[test]
    fn views_found_once_are_the_views_found_each_time() {
        let objects = [
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
                "spec": {"template": {"metadata": {"annotations": {"a": "b"}}, "spec": {
                    "containers": [{"name": "app"}, {"image": "x"}, {"name": 7}],
                    "initContainers": [{"name": "init"}],
                    "ephemeralContainers": [{"name": "debug"}]}}}}),
            json!({"apiVersion": "batch/v1", "kind": "CronJob",
                "spec": {"jobTemplate": {"spec": {"template": {"spec": pod_spec()}}}}}),
            json!({"apiVersion": "v1", "kind": "Pod", "spec": {"containers": "app"}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "b"}}),
            json!({"apiVersion": "v1"}),
        ];
        let views = |o: &Object<'_>| {
            let pod = o.pod();
            let containers: Vec<String> = pod
                .iter()
                .flat_map(|p| p.containers())
                .map(|c| format!("{} {:?} {}", c.at.pointer(), c.group, c.name))
                .collect();
            (
                o.api_version.to_owned(),
                o.kind.to_owned(),
                o.pss_version,
                pod.as_ref().map(|p| p.spec.pointer()),
                pod.as_ref().and_then(|p| p.metadata.map(|m| m.pointer())),
                containers,
            )
        };
        for object in objects {
            let doc = crate::Document::parse(
                crate::InputKind::Kubernetes,
                "x.yaml".into(),
                &object.to_string(),
                r#"{"pss_version": "v1.25"}"#,
            )
            .expect("document");
            let tree = Tree::parse(&object.to_string()).expect("json");
            let each_time = Object::new(Json::root(&tree)).map(|o| Object {
                pss_version: PssVersion::parse("v1.25").expect("version"),
                ..o
            });
            let found = doc.kubernetes();
            assert_eq!(
                found.as_ref().map(views),
                each_time.as_ref().map(views),
                "{object}"
            );
            // Asked again (by the next rule): the same.
            assert_eq!(
                doc.kubernetes().as_ref().map(views),
                found.as_ref().map(views)
            );
        }
    }

    fn pod_spec() -> Value {
        json!({
            "securityContext": {"runAsNonRoot": true, "runAsUser": 1000},
            "containers": [{"name": "app", "securityContext": {"runAsUser": 0, "privileged": false}}],
            "initContainers": [{"name": "init"}]
        })
    }

    #[cfg(feature = "k8s-openapi")]
    #[test]
    fn pod_specs_are_typed_with_k8s_openapi() {
        let object = json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
            "spec": {"template": {"spec": pod_spec()}}});
        let tree = Tree::parse(&object.to_string()).expect("json");
        let object = Object::new(Json::root(&tree)).expect("object");
        let pod = object.pod().expect("pod");
        let spec = pod.typed_spec().expect("a PodSpec");
        assert_eq!(spec.containers[0].name, "app");
        assert_eq!(
            spec.security_context.and_then(|c| c.run_as_user),
            Some(1000)
        );
        assert_eq!(pod.spec.pointer(), "/spec/template/spec");
        // A wrong type is an error, not a guess.
        let bad = json!({"apiVersion": "v1", "kind": "Pod", "spec": {"containers": "app"}});
        let tree = Tree::parse(&bad.to_string()).expect("json");
        let object = Object::new(Json::root(&tree)).expect("object");
        assert!(object.pod().expect("pod").typed_spec().is_err());
    }

    #[test]
    fn finds_the_pod_whatever_wraps_it() {
        let spec = pod_spec();
        let template = json!({"metadata": {"labels": {}}, "spec": spec});
        let objects = [
            (
                json!({"apiVersion": "v1", "kind": "Pod", "spec": spec}),
                "/spec",
            ),
            (
                json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": template}}),
                "/spec/template/spec",
            ),
            (
                json!({"apiVersion": "batch/v1", "kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": template}}}}),
                "/spec/jobTemplate/spec/template/spec",
            ),
            (
                json!({"apiVersion": "v1", "kind": "PodTemplate", "template": template}),
                "/template/spec",
            ),
        ];
        for (object, pointer) in &objects {
            let tree = Tree::from(object);
            let o = Object::new(Json::root(&tree)).expect("object");
            let pod = o.pod().expect("pod");
            assert_eq!(pod.spec.pointer(), *pointer);
            assert_eq!(pod.containers().len(), 2);
        }
        let crd = json!({"apiVersion": "example.com/v1", "kind": "Deployment", "spec": {"template": template}});
        let crd = Tree::from(&crd);
        assert!(
            Object::new(Json::root(&crd))
                .and_then(|o| o.pod())
                .is_none()
        );
    }

    #[test]
    fn combines_pod_and_container_security_contexts() {
        let object = json!({"apiVersion": "v1", "kind": "Pod", "spec": pod_spec()});
        let tree = Tree::from(&object);
        let o = Object::new(Json::root(&tree)).expect("object");
        let pod = o.pod().expect("pod");
        let containers = pod.containers();
        let (app, init) = (&containers[0], &containers[1]);
        assert_eq!(
            app.effective(&pod, "runAsUser").and_then(|v| v.as_i64()),
            Some(0)
        );
        assert_eq!(
            init.effective(&pod, "runAsUser").and_then(|v| v.as_i64()),
            Some(1000)
        );
        assert!(
            init.effective(&pod, "runAsNonRoot")
                .is_some_and(|v| v.is_true())
        );
        assert_eq!(
            init.effective(&pod, "runAsUser")
                .map(|v| v.pointer().to_owned()),
            Some("/spec/securityContext/runAsUser".to_owned())
        );
        // Not inherited: privileged is the container's own.
        assert!(init.effective(&pod, "privileged").is_none());
        assert_eq!(init.label(), "init container `init`");
    }
}
