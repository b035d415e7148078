//! Customer admin passwords: stored only as argon2id hashes (PHC strings, 7 MiB and 5 passes:
//! OWASP's equivalent of the crate's default 19 MiB and 2 passes, with a third of the memory,
//! which the emulator's resident size under load is mostly made of). Computations take turns, each
//! with a block of working memory that is resident only while it runs (`with_memory`). One hash
//! takes about 20 ms of a core. Hashes made with other parameters (earlier versions) still verify
//! with their own.

use argon2::password_hash::{rand_core::OsRng, Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

/// The working memory of one argon2 computation, made for it and handed back to the system when
/// it ends, so that the emulator keeps none of it resident between hashes.
///
/// glibc's `malloc` keeps freed memory in its arenas, and after the first large block is freed it
/// serves later ones from there too (its threshold for mapping memory of its own moves up to the
/// size freed): blocks freed after each computation stayed resident all the same, one per arena
/// of the blocking threads (130 MB after the benchmark's data set). A request of at least 32 MiB,
/// the highest that threshold can move (`mallopt(3)`, `M_MMAP_THRESHOLD`), is always a mapping
/// of its own, unmapped when freed: the block reserves that much address space and touches only
/// the pages it uses. Computations take turns (`hashing_permits`), so at most one block is
/// resident at a time.
fn with_memory<T>(blocks: usize, work: impl FnOnce(&mut [Block]) -> T) -> T {
    const ALWAYS_MAPPED_BYTES: usize = 32 << 20;
    let mut memory = Vec::with_capacity(blocks.max(ALWAYS_MAPPED_BYTES / std::mem::size_of::<Block>()));
    memory.resize(blocks, Block::default());
    work(&mut memory)
}

/// The raw argon2id output for `password` under `params` and the decoded `salt`.
fn compute(password: &[u8], salt: &[u8], params: Params, out: &mut [u8]) -> Result<(), argon2::Error> {
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    with_memory(params.block_count(), |memory| argon.hash_password_into_with_memory(password, salt, out, memory))
}

const MEMORY_KIB: u32 = 7 * 1024;
const PASSES: u32 = 5;

fn hash_params() -> Params {
    Params::new(MEMORY_KIB, PASSES, 1, None).expect("valid argon2 parameters")
}

pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    let params = hash_params();
    let mut salt_bytes = [0u8; 64];
    let decoded = salt.decode_b64(&mut salt_bytes).expect("a generated salt decodes");
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    compute(password.as_bytes(), decoded, params.clone(), &mut out).expect("default argon2 parameters are valid");
    PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).expect("default parameters render"),
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).expect("32 bytes is a valid output length")),
    }
    .to_string()
}

/// Check `password` against a PHC string; the comparison of outputs is constant-time.
pub fn verify_password(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else { return false };
    if parsed.algorithm != Algorithm::Argon2id.ident() {
        return false;
    }
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else { return false };
    let Ok(params) = Params::try_from(&parsed) else { return false };
    let mut salt_bytes = [0u8; 64];
    let Ok(decoded) = salt.decode_b64(&mut salt_bytes) else { return false };
    let mut out = vec![0u8; expected.len()];
    if compute(password.as_bytes(), decoded, params, &mut out).is_err() {
        return false;
    }
    Output::new(&out).is_ok_and(|computed| computed == expected)
}

/// A hash to verify against when the user does not exist, so that a failed sign-in takes the
/// same time whether or not the user name is known.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password that never matches"))
}

/// One argon2 computation at a time (each with its block of working memory, `with_memory`): the
/// others wait here, without holding a blocking thread.
fn hashing_permits() -> &'static tokio::sync::Semaphore {
    static PERMITS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);
    &PERMITS
}

/// Run an argon2 computation on the blocking pool, so it never stalls the async workers that
/// serve other requests.
pub async fn off_thread<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    let _permit = hashing_permits().acquire().await.expect("the hashing semaphore is never closed");
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => value,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

pub async fn hash_password_off_thread(password: String) -> String {
    off_thread(move || hash_password(&password)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::{PasswordHasher, PasswordVerifier};

    #[test]
    fn the_published_development_password_hash_verifies_with_the_emulators_parameters() {
        use crate::domain::identities::development::{USER_PASSWORD, USER_PASSWORD_HASH};
        assert!(verify_password(USER_PASSWORD, USER_PASSWORD_HASH));
        assert!(!verify_password("Pce-Development-Passw0rd ", USER_PASSWORD_HASH));
        assert!(USER_PASSWORD_HASH.starts_with("$argon2id$v=19$m=7168,t=5,p=1$"), "the parameters of hash_password");
    }

    #[test]
    fn hashes_verify_only_their_password() {
        let h = hash_password("Secret!1");
        assert!(h.starts_with("$argon2id$v=19$m=7168,t=5,p=1$"));
        assert!(verify_password("Secret!1", &h));
        assert!(!verify_password("secret!1", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn hashes_are_standard_argon2id_phc_strings() {
        // ours verified by the argon2 crate's own verifier, and the other way round
        let ours = hash_password("Secret!1");
        assert!(Argon2::default().verify_password(b"Secret!1", &PasswordHash::new(&ours).unwrap()).is_ok());
        let salt = SaltString::generate(&mut OsRng);
        let theirs = Argon2::default().hash_password(b"Other!2", &salt).unwrap().to_string();
        assert!(verify_password("Other!2", &theirs));
        assert!(!verify_password("Other!3", &theirs));
    }
}
