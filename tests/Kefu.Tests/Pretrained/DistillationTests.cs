using Kefu.Nlu.Pretrained;

namespace Kefu.Tests.Pretrained;

/// <summary>Students made from a teacher, and a distilled student that learns what its teacher knows.</summary>
public sealed class DistillationTests
{
    [TinyBertFact]
    public void A_shallow_student_starts_from_evenly_spaced_teacher_layers_and_keeps_the_labels()
    {
        var teacher = FineTuner.Train(TinyBertFixture.Path, FineTuningTests.Data(), null, new FineTuneOptions(Epochs: 1, BatchSize: 8)).Model;
        var student = Distiller.Student(teacher, new StudentShape(1));
        Assert.Equal(1, student.Model.Config.Layers);
        Assert.Equal(teacher.Intents, student.Intents);
        Assert.Equal(teacher.Tags!.Names, student.Tags!.Names);
        Assert.Equal(teacher.Model.Encoder.Blocks[1].Qkv.Weight.ToArray(), student.Model.Encoder.Blocks[0].Qkv.Weight.ToArray());
        Assert.Equal(teacher.Model.Embeddings.Token.ToArray(), student.Model.Embeddings.Token.ToArray());
        Assert.Equal(teacher.Model.Head.Output.Weight.ToArray(), student.Model.Head.Output.Weight.ToArray());

        var scratch = Distiller.Student(teacher, StudentShape.Parse("1x16"));
        Assert.Equal(16, scratch.Model.Config.Hidden);
        Assert.Equal(teacher.Model.Config.VocabularySize, scratch.Model.Config.VocabularySize);
        Assert.Throws<ArgumentException>(() => Distiller.Student(teacher, new StudentShape(2)));
    }

    [Theory]
    [InlineData("3", 3, null)]
    [InlineData("2x256", 2, 256)]
    public void Student_shapes_parse(string text, int layers, int? hidden)
    {
        var shape = StudentShape.Parse(text);
        Assert.Equal((layers, hidden), (shape.Layers, shape.Hidden));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("two")]
    [InlineData("2x30")]
    public void Bad_student_shapes_are_rejected_with_the_forms_that_work(string text)
    {
        var error = Assert.Throws<ArgumentException>(() => StudentShape.Parse(text));
        Assert.Contains("NxH", error.Message);
    }

    [MiniLmEncoderFact]
    public void A_distilled_two_layer_student_learns_the_teachers_intents()
    {
        var data = FineTuningTests.Data();
        var options = new FineTuneOptions(Epochs: 8, BatchSize: 4, LearningRate: 2e-4f, MaxLength: 32, Dropout: 0f);
        var teacher = FineTuner.Train(MiniLmEncoderTests.Folder, data, null, options).Model;
        var soft = Distiller.SoftTargets(teacher, data.Examples, 2f);
        Assert.All(soft, row => Assert.Equal(1f, row.Sum(), 3));
        var student = Distiller.Distill(teacher, Distiller.Student(teacher, new StudentShape(2)), data, null, options).Model;
        var (teacherAccuracy, _) = FineTuner.Evaluate(teacher, data.Examples);
        var (studentAccuracy, _) = FineTuner.Evaluate(student, data.Examples);
        Assert.True(studentAccuracy >= 0.9 * teacherAccuracy, $"student {studentAccuracy}, teacher {teacherAccuracy}");
    }
}
