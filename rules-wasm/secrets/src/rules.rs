//! One module per rule: its metadata next to its check, its explanation
//! beside it (`<rule>.md`).

pub mod secret_compose_env;
pub mod secret_configmap;
pub mod secret_helm_values;
pub mod secret_kubernetes_env;
pub mod secret_kubernetes_manifest;
