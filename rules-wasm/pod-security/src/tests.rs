//! The pack's logic, control by control, on pods written in the test:
//! what Kubernetes' Pod Security admission allows passes, what it denies
//! is reported at the field at fault.

use bulwark_sdk::{Document, InputKind, Rule};
use serde_json::{Value, json};

use crate::rules;

/// The pointers `rule` reports on `object`.
fn pointers(rule: &Rule, object: &Value) -> Vec<String> {
    let doc = Document::parse(
        InputKind::Kubernetes,
        "manifest.yaml".to_owned(),
        &object.to_string(),
        "",
    )
    .expect("document");
    rule.run(&doc)
        .into_inner()
        .into_iter()
        .map(|f| f.pointer)
        .collect()
}

/// A Pod with `spec`.
fn pod(spec: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec})
}

/// A Deployment whose pod template has `spec`.
fn deployment(spec: Value) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
        "spec": {"template": {"metadata": {}, "spec": spec}}})
}

/// A pod spec with one container whose security context is `sc`.
fn container(sc: Value) -> Value {
    json!({"containers": [{"name": "app", "image": "app:1", "securityContext": sc}]})
}

/// A container security context that meets the restricted profile.
fn restricted() -> Value {
    json!({"allowPrivilegeEscalation": false, "runAsNonRoot": true,
        "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}})
}

#[test]
fn a_restricted_pod_passes_every_rule() {
    let spec = container(restricted());
    for object in [pod(spec.clone()), deployment(spec)] {
        for rule in <crate::PodSecurity as bulwark_sdk::Pack>::RULES {
            assert_eq!(pointers(rule, &object), Vec::<String>::new(), "{}", rule.id);
        }
    }
}

#[test]
fn host_namespaces_each_one_reported() {
    let object = pod(
        json!({"hostNetwork": true, "hostPID": true, "hostIPC": false,
        "containers": [{"name": "app"}]}),
    );
    assert_eq!(
        pointers(&rules::pss_host_namespaces::RULE, &object),
        ["/spec/hostNetwork", "/spec/hostPID"]
    );
}

#[test]
fn privileged_in_any_container_kind() {
    let object = pod(json!({
        "initContainers": [{"name": "init", "securityContext": {"privileged": true}}],
        "containers": [{"name": "app", "securityContext": {"privileged": false}}],
        "ephemeralContainers": [{"name": "debug", "securityContext": {"privileged": true}}],
    }));
    assert_eq!(
        pointers(&rules::pss_privileged::RULE, &object),
        [
            "/spec/initContainers/0/securityContext/privileged",
            "/spec/ephemeralContainers/0/securityContext/privileged"
        ]
    );
}

#[test]
fn baseline_capabilities_allow_the_default_set_only() {
    let object = pod(container(
        json!({"capabilities": {"add": ["CHOWN", "NET_BIND_SERVICE", "SYS_ADMIN", "NET_RAW"]}}),
    ));
    assert_eq!(
        pointers(&rules::pss_capabilities_baseline::RULE, &object),
        [
            "/spec/containers/0/securityContext/capabilities/add/2",
            "/spec/containers/0/securityContext/capabilities/add/3"
        ]
    );
}

#[test]
fn restricted_capabilities_drop_all_and_add_only_net_bind_service() {
    let rule = &rules::pss_capabilities_restricted::RULE;
    let ok = pod(container(
        json!({"capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}}),
    ));
    assert!(pointers(rule, &ok).is_empty());
    let added = pod(container(
        json!({"capabilities": {"drop": ["ALL"], "add": ["CHOWN"]}}),
    ));
    assert_eq!(
        pointers(rule, &added),
        ["/spec/containers/0/securityContext/capabilities/add/0"]
    );
    let not_dropped = pod(container(json!({"capabilities": {"drop": ["NET_RAW"]}})));
    assert_eq!(pointers(rule, &not_dropped).len(), 1);
    // Windows pods are exempt.
    let windows = pod(json!({"os": {"name": "windows"}, "containers": [{"name": "app"}]}));
    assert!(pointers(rule, &windows).is_empty());
}

#[test]
fn host_path_volumes_and_host_ports() {
    let object = pod(json!({
        "volumes": [{"name": "data", "emptyDir": {}}, {"name": "root", "hostPath": {"path": "/"}}],
        "containers": [{"name": "app", "ports": [{"containerPort": 80, "hostPort": 0},
            {"containerPort": 443, "hostPort": 443}]}],
    }));
    assert_eq!(
        pointers(&rules::pss_host_path::RULE, &object),
        ["/spec/volumes/1/hostPath"]
    );
    assert_eq!(
        pointers(&rules::pss_host_ports::RULE, &object),
        ["/spec/containers/0/ports/1/hostPort"]
    );
}

#[test]
fn apparmor_allows_runtime_default_and_localhost() {
    let rule = &rules::pss_apparmor::RULE;
    let ok = pod(
        json!({"securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}},
        "containers": [{"name": "app", "securityContext": {"appArmorProfile": {"type": "Localhost", "localhostProfile": "p"}}}]}),
    );
    assert!(pointers(rule, &ok).is_empty());
    let bad = pod(
        json!({"securityContext": {"appArmorProfile": {"type": "Unconfined"}},
        "containers": [{"name": "app"}]}),
    );
    assert_eq!(
        pointers(rule, &bad),
        ["/spec/securityContext/appArmorProfile/type"]
    );
    let annotated = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "annotations": {
        "container.apparmor.security.beta.kubernetes.io/app": "unconfined",
        "container.apparmor.security.beta.kubernetes.io/side": "localhost/p"}},
        "spec": {"containers": [{"name": "app"}, {"name": "side"}]}});
    assert_eq!(pointers(rule, &annotated).len(), 1);
}

#[test]
fn selinux_types_users_and_roles() {
    let rule = &rules::pss_selinux::RULE;
    let ok = pod(container(
        json!({"seLinuxOptions": {"type": "container_init_t", "level": "s0:c1"}}),
    ));
    assert!(pointers(rule, &ok).is_empty());
    let bad = pod(container(
        json!({"seLinuxOptions": {"type": "spc_t", "user": "root", "role": "sysadm_r"}}),
    ));
    assert_eq!(
        pointers(rule, &bad),
        [
            "/spec/containers/0/securityContext/seLinuxOptions/type",
            "/spec/containers/0/securityContext/seLinuxOptions/user",
            "/spec/containers/0/securityContext/seLinuxOptions/role"
        ]
    );
}

#[test]
fn proc_mount_default_only() {
    let rule = &rules::pss_proc_mount::RULE;
    assert!(pointers(rule, &pod(container(json!({"procMount": "Default"})))).is_empty());
    assert_eq!(
        pointers(rule, &pod(container(json!({"procMount": "Unmasked"})))),
        ["/spec/containers/0/securityContext/procMount"]
    );
}

#[test]
fn seccomp_unconfined_at_either_level_and_required_somewhere() {
    let baseline = &rules::pss_seccomp_unconfined::RULE;
    let required = &rules::pss_seccomp_required::RULE;
    let pod_default = pod(
        json!({"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{"name": "app"}]}),
    );
    assert!(pointers(baseline, &pod_default).is_empty());
    assert!(pointers(required, &pod_default).is_empty());
    let unset = pod(json!({"containers": [{"name": "app"}]}));
    assert!(pointers(baseline, &unset).is_empty());
    assert_eq!(pointers(required, &unset), ["/spec/containers/0"]);
    // A container overriding the pod's default with Unconfined: the
    // baseline rule's finding, not reported twice.
    let overridden = pod(
        json!({"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{"name": "app", "securityContext": {"seccompProfile": {"type": "Unconfined"}}}]}),
    );
    assert_eq!(
        pointers(baseline, &overridden),
        ["/spec/containers/0/securityContext/seccompProfile/type"]
    );
    assert!(pointers(required, &overridden).is_empty());
}

#[test]
fn sysctls_only_the_safe_set() {
    let object = pod(json!({"securityContext": {"sysctls": [
        {"name": "net.ipv4.tcp_syncookies", "value": "1"},
        {"name": "kernel.msgmax", "value": "65536"}]},
        "containers": [{"name": "app"}]}));
    assert_eq!(
        pointers(&rules::pss_sysctls::RULE, &object),
        ["/spec/securityContext/sysctls/1/name"]
    );
}

#[test]
fn restricted_volume_types() {
    let object = pod(json!({"volumes": [
        {"name": "a", "configMap": {"name": "c"}},
        {"name": "b", "persistentVolumeClaim": {"claimName": "c"}},
        {"name": "c", "nfs": {"server": "nfs", "path": "/"}},
        {"name": "d", "hostPath": {"path": "/"}}],
        "containers": [{"name": "app"}]}));
    let found = pointers(&rules::pss_volume_types::RULE, &object);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found
            .iter()
            .all(|p| p.starts_with("/spec/volumes/2") || p.starts_with("/spec/volumes/3")),
        "{found:?}"
    );
}

#[test]
fn privilege_escalation_must_be_false_explicitly() {
    let rule = &rules::pss_privilege_escalation::RULE;
    assert!(
        pointers(
            rule,
            &pod(container(json!({"allowPrivilegeEscalation": false})))
        )
        .is_empty()
    );
    assert_eq!(
        pointers(
            rule,
            &pod(container(json!({"allowPrivilegeEscalation": true})))
        ),
        ["/spec/containers/0/securityContext/allowPrivilegeEscalation"]
    );
    assert_eq!(pointers(rule, &pod(container(json!({})))).len(), 1);
}

#[test]
fn run_as_non_root_from_the_pod_or_every_container() {
    let rule = &rules::pss_run_as_non_root::RULE;
    let at_pod =
        pod(json!({"securityContext": {"runAsNonRoot": true}, "containers": [{"name": "app"}]}));
    assert!(pointers(rule, &at_pod).is_empty());
    let at_container = pod(container(json!({"runAsNonRoot": true})));
    assert!(pointers(rule, &at_container).is_empty());
    let nowhere = pod(json!({"containers": [{"name": "app"}]}));
    assert_eq!(pointers(rule, &nowhere), ["/spec/containers/0"]);
    // A container overriding the pod's setting.
    let overridden = pod(json!({"securityContext": {"runAsNonRoot": true},
        "containers": [{"name": "app", "securityContext": {"runAsNonRoot": false}}]}));
    assert_eq!(
        pointers(rule, &overridden),
        ["/spec/containers/0/securityContext/runAsNonRoot"]
    );
    let pod_false =
        pod(json!({"securityContext": {"runAsNonRoot": false}, "containers": [{"name": "app"}]}));
    assert_eq!(
        pointers(rule, &pod_false),
        ["/spec/securityContext/runAsNonRoot"]
    );
}

#[test]
fn run_as_user_zero_at_either_level() {
    let rule = &rules::pss_run_as_user::RULE;
    let object = pod(json!({"securityContext": {"runAsUser": 0},
        "containers": [{"name": "app", "securityContext": {"runAsUser": 1000}},
                       {"name": "side", "securityContext": {"runAsUser": 0}}]}));
    assert_eq!(
        pointers(rule, &object),
        [
            "/spec/securityContext/runAsUser",
            "/spec/containers/1/securityContext/runAsUser"
        ]
    );
}

#[test]
fn host_process_on_the_pod_or_a_container() {
    let rule = &rules::pss_host_process::RULE;
    let object = pod(
        json!({"securityContext": {"windowsOptions": {"hostProcess": true}},
        "containers": [{"name": "app", "securityContext": {"windowsOptions": {"hostProcess": false}}}]}),
    );
    assert_eq!(
        pointers(rule, &object),
        ["/spec/securityContext/windowsOptions/hostProcess"]
    );
}

#[test]
fn objects_without_a_pod_are_not_judged() {
    let service = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
        "spec": {"ports": [{"port": 80}]}});
    for rule in <crate::PodSecurity as bulwark_sdk::Pack>::RULES {
        assert!(pointers(rule, &service).is_empty(), "{}", rule.id);
    }
}
