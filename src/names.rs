//! `names!`: the lowercase names of a plain enum, one place for `as_str`, `Display` and
//! `FromStr` (case-insensitive; the error lists the accepted names). The command line parses
//! options through `FromStr`, so the library's enums need no clap derive.

/// Give the unit-variant enum `$ty` the names `$name`, in the order listed (its `ALL`).
macro_rules! names {
    ($ty:ident { $($variant:ident => $name:literal),* $(,)? }) => {
        impl $ty {
            /// Every value, in the order `--help` lists them.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),*];

            /// The lowercase name used on the command line and in `report.json`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),*
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $ty {
            type Err = String;

            /// Case-insensitive.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $ty::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str().eq_ignore_ascii_case(s))
                    .ok_or_else(|| {
                        let names: Vec<&str> = $ty::ALL.iter().map(|v| v.as_str()).collect();
                        format!("'{s}' is not one of {}", names.join(", "))
                    })
            }
        }
    };
}

pub(crate) use names;
