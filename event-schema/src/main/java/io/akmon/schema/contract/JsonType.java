package io.akmon.schema.contract;

/** The JSON type of a record field. */
public enum JsonType {
    STRING, INTEGER, /** any JSON number, integral or not */ NUMBER, BOOLEAN, STRING_ARRAY, INTEGER_ARRAY, OBJECT_ARRAY;

    /** The lower-case name the README and error messages use. */
    public String label() {
        return switch (this) {
            case STRING -> "string";
            case INTEGER -> "integer";
            case NUMBER -> "number";
            case BOOLEAN -> "boolean";
            case STRING_ARRAY -> "array of strings";
            case INTEGER_ARRAY -> "array of integers";
            case OBJECT_ARRAY -> "array of objects";
        };
    }
}
