//! CBV 2.0 vocabularies (CBV 2.0 §7–§8) and the GS1 Web Vocabulary terms EPCIS uses: the
//! bare words of the JSON-LD binding, their CBV Web URIs, and the EPCIS 1.x URNs.
//!
//! The word lists are those of the EPCIS 2.0 JSON-LD context's scoped contexts, which is what
//! turns a bare word into an IRI in JSON (EPCIS 2.0 §9.4); the JSON schema's enums hold the
//! same words.

/// A CBV (or GS1 Web Vocabulary) vocabulary that has bare-word short forms in JSON-LD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Vocabulary {
    /// Business step (CBV §7.1), `BizStep-`.
    BizStep,
    /// Disposition (CBV §7.2), `Disp-`.
    Disposition,
    /// Business transaction type (CBV §7.3), `BTT-`.
    BizTransactionType,
    /// Source/destination type (CBV §7.4), `SDT-`.
    SourceDestType,
    /// Error reason (CBV §7.5), `ER-`.
    ErrorReason,
    /// Sensor component (CBV §7.6), `Comp-`.
    Component,
    /// Measurement type (GS1 Web Vocabulary), `https://gs1.org/voc/`.
    MeasurementType,
    /// Sensor alert type (GS1 Web Vocabulary), `https://gs1.org/voc/`.
    SensorAlertType,
}

/// CBV 2.0 business steps.
pub const BIZ_STEPS: [&str; 41] = [
    "accepting",
    "arriving",
    "assembling",
    "collecting",
    "commissioning",
    "consigning",
    "creating_class_instance",
    "cycle_counting",
    "decommissioning",
    "departing",
    "destroying",
    "disassembling",
    "dispensing",
    "encoding",
    "entering_exiting",
    "holding",
    "inspecting",
    "installing",
    "killing",
    "loading",
    "other",
    "packing",
    "picking",
    "receiving",
    "removing",
    "repackaging",
    "repairing",
    "replacing",
    "reserving",
    "retail_selling",
    "sampling",
    "sensor_reporting",
    "shipping",
    "staging_outbound",
    "stock_taking",
    "stocking",
    "storing",
    "transporting",
    "unloading",
    "unpacking",
    "void_shipping",
];

/// CBV 2.0 dispositions.
pub const DISPOSITIONS: [&str; 33] = [
    "active",
    "available",
    "completeness_inferred",
    "completeness_verified",
    "conformant",
    "container_closed",
    "container_open",
    "damaged",
    "destroyed",
    "dispensed",
    "disposed",
    "encoded",
    "expired",
    "in_progress",
    "in_transit",
    "inactive",
    "mismatch_class",
    "mismatch_instance",
    "mismatch_quantity",
    "needs_replacement",
    "no_pedigree_match",
    "non_conformant",
    "non_sellable_other",
    "partially_dispensed",
    "recalled",
    "reserved",
    "retail_sold",
    "returned",
    "sellable_accessible",
    "sellable_not_accessible",
    "stolen",
    "unavailable",
    "unknown",
];

/// CBV 2.0 business transaction types.
pub const BIZ_TRANSACTION_TYPES: [&str; 13] = [
    "bol",
    "cert",
    "desadv",
    "inv",
    "pedigree",
    "po",
    "poc",
    "prodorder",
    "recadv",
    "rma",
    "testprd",
    "testres",
    "upevt",
];

/// CBV 2.0 source/destination types.
pub const SOURCE_DEST_TYPES: [&str; 3] = ["owning_party", "possessing_party", "location"];

/// CBV 2.0 error reasons.
pub const ERROR_REASONS: [&str; 2] = ["did_not_occur", "incorrect_data"];

/// CBV 2.0 sensor components.
pub const COMPONENTS: [&str; 14] = [
    "x",
    "y",
    "z",
    "axial_distance",
    "azimuth",
    "height",
    "spherical_radius",
    "polar_angle",
    "elevation_angle",
    "easting",
    "northing",
    "latitude",
    "longitude",
    "altitude",
];

/// GS1 Web Vocabulary measurement types accepted as bare words in EPCIS JSON.
pub const MEASUREMENT_TYPES: [&str; 72] = [
    "AbsoluteHumidity",
    "AbsorbedDose",
    "AbsorbedDoseRate",
    "Acceleration",
    "Radioactivity",
    "Altitude",
    "AmountOfSubstance",
    "AmountOfSubstancePerUnitVolume",
    "Angle",
    "AngularAcceleration",
    "AngularMomentum",
    "AngularVelocity",
    "Area",
    "Capacitance",
    "Conductance",
    "Conductivity",
    "Count",
    "Density",
    "Dimensionless",
    "DoseEquivalent",
    "DoseEquivalentRate",
    "DynamicViscosity",
    "ElectricCharge",
    "ElectricCurrent",
    "ElectricCurrentDensity",
    "ElectricFieldStrength",
    "Energy",
    "Exposure",
    "Force",
    "Frequency",
    "Illuminance",
    "Inductance",
    "Irradiance",
    "KinematicViscosity",
    "Length",
    "LinearMomentum",
    "Luminance",
    "LuminousFlux",
    "LuminousIntensity",
    "MagneticFlux",
    "MagneticFluxDensity",
    "MagneticVectorPotential",
    "Mass",
    "MassConcentration",
    "MassFlowRate",
    "MassPerAreaTime",
    "MemoryCapacity",
    "MolalityOfSolute",
    "MolarEnergy",
    "MolarMass",
    "MolarVolume",
    "Power",
    "Pressure",
    "RadiantFlux",
    "RadiantIntensity",
    "RelativeHumidity",
    "Resistance",
    "Resistivity",
    "SolidAngle",
    "SpecificVolume",
    "Speed",
    "SurfaceDensity",
    "SurfaceTension",
    "Temperature",
    "Time",
    "Torque",
    "Voltage",
    "Volume",
    "VolumeFlowRate",
    "VolumeFraction",
    "VolumetricFlux",
    "Wavenumber",
];

/// GS1 Web Vocabulary sensor alert types.
pub const SENSOR_ALERT_TYPES: [&str; 2] = ["ALARM_CONDITION", "ERROR_CONDITION"];

/// CBV Web URI base.
pub const CBV: &str = "https://ref.gs1.org/cbv/";
/// GS1 Web Vocabulary base.
pub const GS1_VOC: &str = "https://gs1.org/voc/";

/// Prefixes the EPCIS 2.0 JSON-LD context itself declares (protected terms).
pub const CONTEXT_PREFIXES: [(&str, &str); 8] = [
    ("epcis", "https://ref.gs1.org/epcis/"),
    ("cbv", "https://ref.gs1.org/cbv/"),
    ("cbvmda", "urn:epcglobal:cbv:mda:"),
    ("gs1", "https://gs1.org/voc/"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("owl", "http://www.w3.org/2002/07/owl#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
    ("dcterms", "http://purl.org/dc/terms/"),
];

impl Vocabulary {
    /// The bare words of this vocabulary.
    #[must_use]
    pub fn words(self) -> &'static [&'static str] {
        match self {
            Vocabulary::BizStep => &BIZ_STEPS,
            Vocabulary::Disposition => &DISPOSITIONS,
            Vocabulary::BizTransactionType => &BIZ_TRANSACTION_TYPES,
            Vocabulary::SourceDestType => &SOURCE_DEST_TYPES,
            Vocabulary::ErrorReason => &ERROR_REASONS,
            Vocabulary::Component => &COMPONENTS,
            Vocabulary::MeasurementType => &MEASUREMENT_TYPES,
            Vocabulary::SensorAlertType => &SENSOR_ALERT_TYPES,
        }
    }

    /// The Web URI prefix of this vocabulary's terms.
    #[must_use]
    pub fn web_prefix(self) -> &'static str {
        match self {
            Vocabulary::BizStep => "https://ref.gs1.org/cbv/BizStep-",
            Vocabulary::Disposition => "https://ref.gs1.org/cbv/Disp-",
            Vocabulary::BizTransactionType => "https://ref.gs1.org/cbv/BTT-",
            Vocabulary::SourceDestType => "https://ref.gs1.org/cbv/SDT-",
            Vocabulary::ErrorReason => "https://ref.gs1.org/cbv/ER-",
            Vocabulary::Component => "https://ref.gs1.org/cbv/Comp-",
            Vocabulary::MeasurementType | Vocabulary::SensorAlertType => GS1_VOC,
        }
    }

    /// The EPCIS 1.x URN prefix (`urn:epcglobal:cbv:bizstep:`…), where there is one.
    #[must_use]
    pub fn urn_prefix(self) -> Option<&'static str> {
        match self {
            Vocabulary::BizStep => Some("urn:epcglobal:cbv:bizstep:"),
            Vocabulary::Disposition => Some("urn:epcglobal:cbv:disp:"),
            Vocabulary::BizTransactionType => Some("urn:epcglobal:cbv:btt:"),
            Vocabulary::SourceDestType => Some("urn:epcglobal:cbv:sdt:"),
            Vocabulary::ErrorReason => Some("urn:epcglobal:cbv:er:"),
            Vocabulary::Component => Some("urn:epcglobal:cbv:comp:"),
            Vocabulary::MeasurementType | Vocabulary::SensorAlertType => None,
        }
    }

    /// Whether `word` is one of this vocabulary's bare words.
    #[must_use]
    pub fn is_word(self, word: &str) -> bool {
        self.words().contains(&word)
    }

    /// The Web URI of a bare word, if it is one of this vocabulary's.
    #[must_use]
    pub fn expand(self, word: &str) -> Option<String> {
        self.is_word(word)
            .then(|| format!("{}{word}", self.web_prefix()))
    }

    /// The canonical (Web URI) form of any of the three spellings: bare word, URN or Web
    /// URI. Values outside the vocabulary (custom URIs) are returned unchanged.
    #[must_use]
    pub fn canonical(self, value: &str) -> String {
        if let Some(uri) = self.expand(value) {
            return uri;
        }
        if let Some(word) = self.urn_prefix().and_then(|p| value.strip_prefix(p)) {
            return format!("{}{word}", self.web_prefix());
        }
        value.to_owned()
    }

    /// The bare word of a value in any spelling, if it is a standard term.
    #[must_use]
    pub fn bare_word(self, value: &str) -> Option<&'static str> {
        let word = value
            .strip_prefix(self.web_prefix())
            .or_else(|| self.urn_prefix().and_then(|p| value.strip_prefix(p)))
            .unwrap_or(value);
        self.words().iter().find(|w| **w == word).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_spellings_agree() {
        let v = Vocabulary::BizStep;
        let want = "https://ref.gs1.org/cbv/BizStep-shipping";
        assert_eq!(v.canonical("shipping"), want);
        assert_eq!(v.canonical("urn:epcglobal:cbv:bizstep:shipping"), want);
        assert_eq!(v.canonical(want), want);
        assert_eq!(v.bare_word(want), Some("shipping"));
        assert_eq!(
            v.canonical("https://example.org/drying"),
            "https://example.org/drying"
        );
        assert_eq!(
            Vocabulary::MeasurementType.canonical("Temperature"),
            "https://gs1.org/voc/Temperature"
        );
        assert_eq!(Vocabulary::Disposition.bare_word("harvested"), None);
    }
}
