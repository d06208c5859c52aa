using Kefu.Nlu;

namespace Kefu.Projects;

/// <summary>Reads one Rasa nlu.yml file (examples with entity annotations, synonyms, regexes, lookups).</summary>
public static class NluFile
{
    public static NluTrainingData Load(string path) =>
        throw new NotImplementedException("Rasa nlu.yml reading is not written yet");
}
