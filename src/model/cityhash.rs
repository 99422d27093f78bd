//! CityHash64 as of CityHash v1.0.2 (Geoff Pike and Jyrki Alakuijala, Google, MIT licence),
//! the version CatBoost hashes categorical values with: a one-hot split in a CatBoost model
//! compares the low 32 bits of `city_hash64(value)` with the hash it stores. Later CityHash
//! versions give different values, so this is that version's algorithm, little-endian.

const K0: u64 = 0xc3a5_c85c_97cb_3127;
const K1: u64 = 0xb492_b66f_be98_f273;
const K2: u64 = 0x9ae1_6a3b_2f90_404f;
const K3: u64 = 0xc949_d7c7_509e_6557;

fn fetch64(s: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(s[at..at + 8].try_into().expect("8 bytes"))
}

fn fetch32(s: &[u8], at: usize) -> u64 {
    u64::from(u32::from_le_bytes(
        s[at..at + 4].try_into().expect("4 bytes"),
    ))
}

fn rotate(v: u64, shift: u32) -> u64 {
    if shift == 0 {
        v
    } else {
        v.rotate_right(shift)
    }
}

fn shift_mix(v: u64) -> u64 {
    v ^ (v >> 47)
}

/// `Hash128to64` of (u, v).
fn hash_len16(u: u64, v: u64) -> u64 {
    const MUL: u64 = 0x9ddf_ea08_eb38_2d69;
    let mut a = (u ^ v).wrapping_mul(MUL);
    a ^= a >> 47;
    let mut b = (v ^ a).wrapping_mul(MUL);
    b ^= b >> 47;
    b.wrapping_mul(MUL)
}

fn hash_len0to16(s: &[u8]) -> u64 {
    let len = s.len();
    if len > 8 {
        let a = fetch64(s, 0);
        let b = fetch64(s, len - 8);
        // RotateByAtLeast1: len is 9..=16 here.
        return hash_len16(a, (b.wrapping_add(len as u64)).rotate_right(len as u32)) ^ b;
    }
    if len >= 4 {
        let a = fetch32(s, 0);
        return hash_len16((len as u64).wrapping_add(a << 3), fetch32(s, len - 4));
    }
    if len > 0 {
        let (a, b, c) = (s[0], s[len >> 1], s[len - 1]);
        let y = u32::from(a).wrapping_add(u32::from(b) << 8);
        let z = (len as u32).wrapping_add(u32::from(c) << 2);
        return shift_mix(u64::from(y).wrapping_mul(K2) ^ u64::from(z).wrapping_mul(K3))
            .wrapping_mul(K2);
    }
    K2
}

fn hash_len17to32(s: &[u8]) -> u64 {
    let len = s.len();
    let a = fetch64(s, 0).wrapping_mul(K1);
    let b = fetch64(s, 8);
    let c = fetch64(s, len - 8).wrapping_mul(K2);
    let d = fetch64(s, len - 16).wrapping_mul(K0);
    hash_len16(
        rotate(a.wrapping_sub(b), 43)
            .wrapping_add(rotate(c, 30))
            .wrapping_add(d),
        a.wrapping_add(rotate(b ^ K3, 20))
            .wrapping_sub(c)
            .wrapping_add(len as u64),
    )
}

fn weak_hash32(w: u64, x: u64, y: u64, z: u64, mut a: u64, mut b: u64) -> (u64, u64) {
    a = a.wrapping_add(w);
    b = rotate(b.wrapping_add(a).wrapping_add(z), 21);
    let c = a;
    a = a.wrapping_add(x).wrapping_add(y);
    b = b.wrapping_add(rotate(a, 44));
    (a.wrapping_add(z), b.wrapping_add(c))
}

fn weak_hash32_at(s: &[u8], at: usize, a: u64, b: u64) -> (u64, u64) {
    weak_hash32(
        fetch64(s, at),
        fetch64(s, at + 8),
        fetch64(s, at + 16),
        fetch64(s, at + 24),
        a,
        b,
    )
}

fn hash_len33to64(s: &[u8]) -> u64 {
    let len = s.len();
    let mut z = fetch64(s, 24);
    let mut a = fetch64(s, 0).wrapping_add(
        (len as u64)
            .wrapping_add(fetch64(s, len - 16))
            .wrapping_mul(K0),
    );
    let mut b = rotate(a.wrapping_add(z), 52);
    let mut c = rotate(a, 37);
    a = a.wrapping_add(fetch64(s, 8));
    c = c.wrapping_add(rotate(a, 7));
    a = a.wrapping_add(fetch64(s, 16));
    let vf = a.wrapping_add(z);
    let vs = b.wrapping_add(rotate(a, 31)).wrapping_add(c);
    a = fetch64(s, 16).wrapping_add(fetch64(s, len - 32));
    z = fetch64(s, len - 8);
    b = rotate(a.wrapping_add(z), 52);
    c = rotate(a, 37);
    a = a.wrapping_add(fetch64(s, len - 24));
    c = c.wrapping_add(rotate(a, 7));
    a = a.wrapping_add(fetch64(s, len - 16));
    let wf = a.wrapping_add(z);
    let ws = b.wrapping_add(rotate(a, 31)).wrapping_add(c);
    let r = shift_mix(
        vf.wrapping_add(ws)
            .wrapping_mul(K2)
            .wrapping_add(wf.wrapping_add(vs).wrapping_mul(K0)),
    );
    shift_mix(r.wrapping_mul(K0).wrapping_add(vs)).wrapping_mul(K2)
}

/// CityHash64 (v1.0.2) of `s`.
pub fn city_hash64(s: &[u8]) -> u64 {
    let len = s.len();
    if len <= 16 {
        return hash_len0to16(s);
    }
    if len <= 32 {
        return hash_len17to32(s);
    }
    if len <= 64 {
        return hash_len33to64(s);
    }
    let mut x = fetch64(s, 0);
    let mut y = fetch64(s, len - 16) ^ K1;
    let mut z = fetch64(s, len - 56) ^ K0;
    let mut v = weak_hash32_at(s, len - 64, len as u64, y);
    let mut w = weak_hash32_at(s, len - 32, (len as u64).wrapping_mul(K1), K0);
    z = z.wrapping_add(shift_mix(v.1).wrapping_mul(K1));
    x = rotate(z.wrapping_add(x), 39).wrapping_mul(K1);
    y = rotate(y, 33).wrapping_mul(K1);
    let mut remaining = (len - 1) & !63;
    let mut at = 0;
    loop {
        x = rotate(
            x.wrapping_add(y)
                .wrapping_add(v.0)
                .wrapping_add(fetch64(s, at + 16)),
            37,
        )
        .wrapping_mul(K1);
        y = rotate(y.wrapping_add(v.1).wrapping_add(fetch64(s, at + 48)), 42).wrapping_mul(K1);
        x ^= w.1;
        y ^= v.0;
        z = rotate(z ^ w.0, 33);
        v = weak_hash32_at(s, at, v.1.wrapping_mul(K1), x.wrapping_add(w.0));
        w = weak_hash32_at(s, at + 32, z.wrapping_add(w.1), y);
        std::mem::swap(&mut z, &mut x);
        at += 64;
        remaining -= 64;
        if remaining == 0 {
            break;
        }
    }
    hash_len16(
        hash_len16(v.0, w.0)
            .wrapping_add(shift_mix(y).wrapping_mul(K1))
            .wrapping_add(z),
        hash_len16(v.1, w.1).wrapping_add(x),
    )
}

/// CatBoost's hash of a categorical value: the low 32 bits of CityHash64, as the signed
/// 32-bit number its JSON export stores.
pub fn catboost_hash(value: &str) -> i32 {
    city_hash64(value.as_bytes()) as u32 as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Island and sex hashes as CatBoost 1.2.10 stores them in `models/catboost_multiclass.json`,
    /// and 64-bit values from the v1.0.2 reference (ClickHouse's `clickhouse-cityhash`) at
    /// lengths covering every branch.
    #[test]
    fn hashes_match_the_reference_and_catboost() {
        assert_eq!(catboost_hash("Dream"), -798_464_762);
        assert_eq!(catboost_hash("Biscoe"), -556_231_949);
        assert_eq!(catboost_hash("Torgersen"), -1_377_554_926);
        assert_eq!(catboost_hash("male"), 2_083_200_611);
        assert_eq!(catboost_hash("female"), -845_129_958);
        for (s, want) in [
            ("", 11_160_318_154_034_397_263u64),
            ("Dream", 4_705_625_181_549_782_278),
            ("Torgersen", 2_090_091_957_151_084_050),
            ("aaaaaaaaaaaaaaaaa", 343_169_547_249_257_593),
            ("abcdefghijklmnopqrstuvwxyz0123456789", 7_935_469_073_962_021_281),
            (&"x".repeat(65), 5_260_653_789_997_849_295),
            (
                "The quick brown fox jumps over the lazy dog, then runs 200 meters north and back again!!",
                638_452_483_773_473_954,
            ),
        ] {
            assert_eq!(city_hash64(s.as_bytes()), want, "{s}");
        }
    }
}
