//! The public key that hand-in receipts are signed with, for checking them offline
//! (`tavle receipt verify FILE --public-key …`).

use axum::extract::State;
use axum::Json;

use crate::error::{ApiResult, ErrorBody};
use crate::wire::ReceiptKeyWire;
use crate::HttpState;

/// The instance's receipt-signing public key (Ed25519). No login needed.
#[utoipa::path(get, path = "/api/v1/receipt-key", tag = "assignments",
    responses((status = 200, body = ReceiptKeyWire), (status = 500, body = ErrorBody)))]
pub async fn key(State(state): State<HttpState>) -> ApiResult<Json<ReceiptKeyWire>> {
    let k = state.app.assignments().receipt_key().await?;
    Ok(Json(ReceiptKeyWire { algorithm: "Ed25519", key_id: k.key_id(), public_key: k.public_hex() }))
}
