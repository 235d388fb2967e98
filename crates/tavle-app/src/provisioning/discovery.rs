//! What the SCIM server says about itself (RFC 7643 §5–7, RFC 7644 §4): the service provider
//! configuration, the resource types and their schemas. A school is named by its institution
//! number, and the schemas list the municipality's own as the values it may take, so a
//! client (and scim2-tester, which builds its requests from these schemas) sends real ones.

use serde_json::{json, Value};

pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const USER_EXT: &str = "urn:ietf:params:scim:schemas:extension:tavle:2.0:User";
pub const GROUP_EXT: &str = "urn:ietf:params:scim:schemas:extension:tavle:2.0:Group";

/// One attribute of a schema.
fn attr(name: &str, kind: &str, mutability: &str, required: bool, description: &str) -> Value {
    json!({
        "name": name, "type": kind, "multiValued": false, "description": description, "required": required,
        "caseExact": false, "mutability": mutability, "returned": "default", "uniqueness": "none",
    })
}

fn canonical(mut a: Value, values: &[String]) -> Value {
    a["canonicalValues"] = json!(values);
    a
}

fn complex(name: &str, multi: bool, mutability: &str, description: &str, subs: Vec<Value>) -> Value {
    let mut a = attr(name, "complex", mutability, false, description);
    a["multiValued"] = json!(multi);
    a["subAttributes"] = json!(subs);
    a
}

fn schema_doc(base: &str, id: &str, name: &str, description: &str, attributes: Vec<Value>) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": id, "name": name, "description": description, "attributes": attributes,
        "meta": { "resourceType": "Schema", "location": format!("{base}/Schemas/{id}") },
    })
}

/// The schemas, for a municipality whose schools have these institution numbers.
pub fn schemas(base: &str, institutions: &[String]) -> Vec<Value> {
    let roles = ["pupil", "teacher", "staff"].map(String::from);
    let mut user_name = attr("userName", "string", "readWrite", true, "The login name, unique in Tavle.");
    user_name["uniqueness"] = json!("server");
    let user = vec![
        user_name,
        attr("displayName", "string", "readWrite", false, "The name Tavle shows."),
        complex(
            "name",
            false,
            "readOnly",
            "The name, as Tavle shows it.",
            vec![attr("formatted", "string", "readOnly", false, "The whole name.")],
        ),
        attr("active", "boolean", "readWrite", false, "False when the person has left."),
    ];
    let user_ext = vec![
        complex(
            "schools",
            true,
            "readWrite",
            "The schools the person belongs to, and as what.",
            vec![
                canonical(
                    attr("institutionNumber", "string", "readWrite", true, "The school's institution number."),
                    institutions,
                ),
                canonical(attr("role", "string", "readWrite", true, "pupil, teacher or staff."), &roles),
            ],
        ),
        complex(
            "identities",
            true,
            "readWrite",
            "Identities at login services, e.g. issuer UNI-Login with the uniid.",
            vec![
                attr("issuer", "string", "readWrite", true, "The namespace, e.g. UNI-Login."),
                attr("subject", "string", "readWrite", true, "The identifier there."),
            ],
        ),
    ];
    let mut reference = attr("$ref", "reference", "immutable", false, "The member's address.");
    reference["referenceTypes"] = json!(["User"]);
    let group = vec![
        attr("displayName", "string", "readWrite", true, "The group's name, e.g. 5.A."),
        complex(
            "members",
            true,
            "readWrite",
            "The group's members.",
            vec![
                attr("value", "string", "immutable", false, "The member's id."),
                reference,
                canonical(attr("type", "string", "immutable", false, "User."), &["User".to_string()]),
            ],
        ),
    ];
    let group_ext = vec![
        canonical(attr("school", "string", "readWrite", true, "The school's institution number."), institutions),
        attr(
            "schoolYear",
            "string",
            "readWrite",
            false,
            "The school year, e.g. 2026/27 (the current one when absent).",
        ),
        canonical(
            attr("kind", "string", "readWrite", false, "class (the default) or team."),
            &["class", "team"].map(String::from),
        ),
        attr("grade", "integer", "readWrite", false, "A class's grade, 0 to 10."),
        attr("subject", "string", "readWrite", false, "A team's subject."),
    ];
    vec![
        schema_doc(base, USER, "User", "A person of the municipality.", user),
        schema_doc(base, USER_EXT, "TavleUser", "Where a person belongs in the municipality's schools.", user_ext),
        schema_doc(base, GROUP, "Group", "A class or team.", group),
        schema_doc(base, GROUP_EXT, "TavleGroup", "The school and school year a group belongs to.", group_ext),
    ]
}

/// One schema by its id.
pub fn schema(base: &str, institutions: &[String], id: &str) -> Option<Value> {
    schemas(base, institutions).into_iter().find(|s| s["id"] == id)
}

/// The resource types: User and Group, each with Tavle's extension.
pub fn resource_types(base: &str) -> Vec<Value> {
    let rt = |id: &str, endpoint: &str, schema: &str, ext: &str, description: &str| {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": id, "name": id, "endpoint": endpoint, "description": description, "schema": schema,
            "schemaExtensions": [{ "schema": ext, "required": false }],
            "meta": { "resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/{id}") },
        })
    };
    vec![
        rt("User", "/Users", USER, USER_EXT, "A person: pupil, teacher or staff."),
        rt("Group", "/Groups", GROUP, GROUP_EXT, "A class or team of a school."),
    ]
}

/// One resource type by its id.
pub fn resource_type(base: &str, id: &str) -> Option<Value> {
    resource_types(base).into_iter().find(|r| r["id"] == id)
}

/// What this server supports. Patch and filtering are promised as the design has them; bulk,
/// sorting, ETags and password changes are not offered.
pub fn service_provider_config(base: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "documentationUri": "https://github.com/tavle/tavle/blob/main/docs/federated-login.md",
        "patch": { "supported": true },
        "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": 0 },
        "filter": { "supported": true, "maxResults": 200 },
        "changePassword": { "supported": false },
        "sort": { "supported": false },
        "etag": { "supported": false },
        "authenticationSchemes": [{
            "type": "oauthbearertoken", "name": "Bearer token", "primary": true,
            "description": "A token a municipality administrator makes in Tavle: Administration, Login-tjenester, SCIM.",
        }],
        "meta": { "resourceType": "ServiceProviderConfig", "location": format!("{base}/ServiceProviderConfig") },
    })
}
